package io.cloaca.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cloaca run} through the background runtime keeps the semantics of a JVM of its own: the
 * client's folder, environment, arguments, stdin/stdout/stderr, exit code and signals, and nothing of
 * one script is seen by the next. Each case runs the real distribution; the daemons live in a private
 * folder (XDG_RUNTIME_DIR) and are stopped at the end. A script prints {@code os.getpid()}, the daemon's
 * pid, to show which JVM ran it.
 */
class DaemonIT {

    @TempDir
    static Path runtimeDir;
    @TempDir
    Path dir;

    @BeforeAll
    static void startADaemon() throws Exception {
        // The first run of a build writes the class-data archive and starts the daemon: slow, so once.
        CloacaProcess.Result first = run(CloacaProcess.ROOT, Map.of(), "", "run", "--help");
        assertEquals(0, first.exitCode(), first::toString);
    }

    @AfterAll
    static void stopTheDaemons() throws Exception {
        run(CloacaProcess.ROOT, Map.of(), "", "daemon", "stop");
    }

    private static Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("XDG_RUNTIME_DIR", runtimeDir.toString());
        return env;
    }

    private static CloacaProcess.Result run(Path cwd, Map<String, String> extra, String input, String... args)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(CloacaProcess.ROOT.resolve("cloaca").toString()));
        command.addAll(List.of(args));
        return CloacaProcess.exec(command, cwd, CloacaProcess.withDaemonDefaults(env(extra)), input);
    }

    private Path script(String name, String code) throws IOException {
        return Files.writeString(dir.resolve(name), code);
    }

    private static String line(CloacaProcess.Result result, String prefix) {
        return result.stdout().lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' line:\n" + result));
    }

    @Test
    void the_folder_is_the_clients_and_a_chdir_does_not_reach_the_next_script() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("work"));
        Files.writeString(sub.resolve("data.txt"), "relative file\n");
        Path script = script("cwd.py", """
                import os, cloaca
                print("pid", os.getpid())
                print("cwd", os.getcwd())
                print("data", open("data.txt").read().strip())
                with cloaca.DefaultRunner("sqlite://relative.db") as runner:
                    pass
                os.chdir("/")
                """);
        CloacaProcess.Result first = run(sub, Map.of(), "", "run", script.toString());
        assertEquals(0, first.exitCode(), first::toString);
        assertEquals("cwd " + sub.toRealPath(), line(first, "cwd "), first::toString);
        assertEquals("data relative file", line(first, "data "), first::toString);
        assertTrue(Files.exists(sub.resolve("relative.db")), "a relative SQLite path is in the client's folder");

        CloacaProcess.Result second = run(sub, Map.of(), "", "run", "../cwd.py");
        assertEquals(0, second.exitCode(), second::toString);
        assertEquals(line(first, "pid "), line(second, "pid "), "the same daemon ran both");
        assertEquals("cwd " + sub.toRealPath(), line(second, "cwd "), second::toString);
    }

    @Test
    void environment_and_arguments_are_the_clients_as_in_a_jvm_of_its_own() throws Exception {
        Path script = script("env.py", """
                import json, os, sys
                print("pid", os.getpid())
                print("ppid", os.getppid())
                print("seen", os.environ.get("DAEMON_IT_VALUE"), os.environ.get("DAEMON_IT_SET_BY_SCRIPT"))
                env = {k: v for k, v in os.environ.items() if k not in ("CLOACA_DAEMON", "DAEMON_IT_VALUE")}
                print("env", json.dumps(env, sort_keys=True))
                print("argv", json.dumps(sys.argv))
                os.environ["DAEMON_IT_SET_BY_SCRIPT"] = "leaked"
                """);
        CloacaProcess.Result daemon = run(dir, Map.of("DAEMON_IT_VALUE", "one"), "", "run", script.toString(), "a b", "-x");
        CloacaProcess.Result again = run(dir, Map.of("DAEMON_IT_VALUE", "two"), "", "run", script.toString());
        CloacaProcess.Result alone = run(dir, Map.of("DAEMON_IT_VALUE", "one", "CLOACA_DAEMON", "0"), "", "run",
                script.toString(), "a b", "-x");
        assertEquals(0, daemon.exitCode(), daemon::toString);
        assertEquals(0, alone.exitCode(), alone::toString);
        assertEquals("seen one None", line(daemon, "seen "), daemon::toString);
        assertEquals("seen two None", line(again, "seen "), "no change of one script reaches the next: " + again);
        assertEquals(line(daemon, "pid "), line(again, "pid "), "the same daemon ran both");
        assertNotEquals(line(daemon, "pid "), line(alone, "pid "));
        assertEquals(line(alone, "env "), line(daemon, "env "), "os.environ is the client's");
        assertEquals(line(alone, "argv "), line(daemon, "argv "));
        // os.getppid() is the parent of the process os.getpid() names: of a JVM of its own, the process
        // that ran cloaca run (the launchers exec); of the daemon, the daemon's parent, as the kernel says.
        assertEquals("ppid " + ProcessHandle.current().pid(), line(alone, "ppid "), alone::toString);
        String daemonPid = line(daemon, "pid ").substring("pid ".length());
        String daemonParent = Files.readAllLines(Path.of("/proc", daemonPid, "status")).stream()
                .filter(l -> l.startsWith("PPid:")).findFirst().orElseThrow().substring("PPid:".length()).trim();
        assertEquals("ppid " + daemonParent, line(daemon, "ppid "), daemon::toString);
    }

    @Test
    void stdin_stdout_and_stderr_are_streamed_apart_binary_safe_and_complete() throws Exception {
        Path script = script("io.py", """
                import sys
                name = input()
                print("hello", name)
                print("rest", repr(sys.stdin.read()))
                try:
                    input()
                except EOFError:
                    print("eof")
                print("to stderr", file=sys.stderr)
                sys.stdout.write("x" * 3_000_000 + "\\n")
                """);
        CloacaProcess.Result result = run(dir, Map.of(), "world\nmore\n", "run", script.toString());
        assertEquals(0, result.exitCode(), result::toString);
        String head = "hello world\nrest 'more\\n'\neof\n";
        assertTrue(result.stdout().startsWith(head), result.stdout().substring(0, 80));
        assertEquals(head.length() + 3_000_001, result.stdout().length(), "all output arrives before the exit code");
        assertEquals("to stderr\n", result.stderr());

        Path binary = script("binary.py", """
                import sys
                data = sys.stdin.buffer.read()
                sys.stdout.buffer.write(data[::-1])
                """);
        byte[] input = new byte[70_000];
        for (int i = 0; i < input.length; i++) {
            input[i] = (byte) i;
        }
        Path in = Files.write(dir.resolve("in.bin"), input);
        Path out = dir.resolve("out.bin");
        ProcessBuilder pb = new ProcessBuilder(CloacaProcess.ROOT.resolve("cloaca").toString(), "run", binary.toString())
                .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(CloacaProcess.withDaemonDefaults(env(Map.of())));
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue());
        byte[] reversed = new byte[input.length];
        for (int i = 0; i < input.length; i++) {
            reversed[i] = input[input.length - 1 - i];
        }
        assertArrayEquals(reversed, Files.readAllBytes(out));
    }

    @Test
    void settings_of_the_background_runtime_that_cannot_be_read_are_refused_before_any_script_runs() throws Exception {
        Path hello = script("said.py", "print('ran')\n");
        CloacaProcess.Result mode = run(dir, Map.of("CLOACA_DAEMON", "maybe"), "", "run", hello.toString());
        assertEquals(2, mode.exitCode(), mode::toString);
        assertEquals("", mode.stdout(), mode::toString);
        assertTrue(mode.stderr().contains("CLOACA_DAEMON must be 1 or 0 (or true/false, yes/no, on/off), not 'maybe'"),
                mode::toString);
        for (String idle : List.of("abc", "0", "-5", "1.5")) {
            CloacaProcess.Result r = run(dir, Map.of("CLOACA_DAEMON_IDLE_SECONDS", idle), "", "run", hello.toString());
            assertEquals(2, r.exitCode(), r::toString);
            assertEquals("", r.stdout(), r::toString);
            assertTrue(r.stderr().contains("CLOACA_DAEMON_IDLE_SECONDS must be a whole number of seconds above 0, not '"
                    + idle + "'"), r::toString);
        }
        CloacaProcess.Result off = run(dir, Map.of("CLOACA_DAEMON", "0", "CLOACA_DAEMON_IDLE_SECONDS", "abc"), "", "run",
                hello.toString());
        assertEquals(0, off.exitCode(), "without the daemon its idle time is not read: " + off);
        assertEquals("ran\n", off.stdout(), off::toString);
    }

    @Test
    void exit_codes_and_tracebacks_are_as_without_the_daemon() throws Exception {
        Path fail = script("fail.py", "def f():\n    raise ValueError('bad value')\nf()\n");
        CloacaProcess.Result failed = run(dir, Map.of(), "", "run", fail.toString());
        assertEquals(1, failed.exitCode(), failed::toString);
        assertTrue(failed.stderr().contains("ValueError: bad value") && failed.stderr().contains("fail.py\", line 2"),
                failed::toString);
        Path exit = script("exit.py", "import sys\nprint('out')\nsys.exit(3)\n");
        CloacaProcess.Result three = run(dir, Map.of(), "", "run", exit.toString());
        assertEquals(3, three.exitCode(), three::toString);
        assertEquals("out\n", three.stdout());
    }

    @Test
    void nothing_of_one_script_is_seen_by_the_next() throws Exception {
        Path script = script("iso.py", """
                import os, sys, types, cloaca
                print("pid", os.getpid())
                print("seen", "daemon_it_module" in sys.modules, hasattr(cloaca, "_daemon_it"), "LEFT" in globals())
                sys.modules["daemon_it_module"] = types.ModuleType("daemon_it_module")
                cloaca._daemon_it = True
                LEFT = 1

                @cloaca.task(id="only_here")
                def only_here(context):
                    return context

                def build():
                    builder = cloaca.WorkflowBuilder("daemon_it_iso")
                    builder.add_task("only_here")
                    return builder.build()

                if len(sys.argv) > 1:
                    cloaca.register_workflow_constructor("daemon_it_iso", build)
                with cloaca.DefaultRunner(":memory:") as runner:
                    try:
                        print("ran", runner.execute("daemon_it_iso", cloaca.Context()).status)
                    except Exception as e:
                        print("ran", type(e).__name__)
                """);
        CloacaProcess.Result first = run(dir, Map.of(), "", "run", script.toString(), "register");
        CloacaProcess.Result second = run(dir, Map.of(), "", "run", script.toString());
        assertEquals(line(first, "pid "), line(second, "pid "), "the same daemon ran both");
        assertEquals("seen False False False", line(first, "seen "), first::toString);
        assertEquals("ran Completed", line(first, "ran "), first::toString);
        assertEquals("seen False False False", line(second, "seen "), second::toString);
        assertNotEquals("ran Completed", line(second, "ran "), "the workflow registered by the first script is gone");
    }

    @Test
    void a_busy_daemon_sends_the_next_client_to_another_one() throws Exception {
        Path gate = dir.resolve("gate");
        Path script = script("busy.py", """
                import os, sys, time
                print("pid", os.getpid(), flush=True)
                if len(sys.argv) > 1:
                    open(sys.argv[1] + ".started", "w").close()
                    while not os.path.exists(sys.argv[1]):
                        time.sleep(0.05)
                """);
        Path out = dir.resolve("busy.out");
        ProcessBuilder pb = new ProcessBuilder(CloacaProcess.ROOT.resolve("cloaca").toString(), "run", script.toString(),
                gate.toString()).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(CloacaProcess.withDaemonDefaults(env(Map.of())));
        Process holder = pb.start();
        try {
            CloacaProcess.awaitText(dir.resolve("busy.out"), "pid", holder);
            CloacaProcess.Result other = run(dir, Map.of(), "", "run", script.toString());
            assertEquals(0, other.exitCode(), other::toString);
            Files.writeString(gate, "");
            assertTrue(holder.waitFor(2, TimeUnit.MINUTES));
            assertNotEquals(Files.readString(out).strip(), line(other, "pid "), "a busy daemon is not shared");
        } finally {
            Files.writeString(gate, "");
            holder.destroyForcibly();
        }
        CloacaProcess.Result status = run(dir, Map.of(), "", "daemon", "status");
        assertTrue(status.stdout().lines().filter(l -> l.contains(" idle ")).count() >= 2, status::toString);
    }

    @Test
    void a_killed_client_ends_its_daemon_and_the_next_run_gets_a_working_one() throws Exception {
        Path started = dir.resolve("started");
        Path script = script("killed.py", """
                import os, sys, time
                print("pid", os.getpid(), flush=True)
                open(sys.argv[1], "w").close()
                time.sleep(600)
                """);
        Path out = dir.resolve("killed.out");
        ProcessBuilder pb = new ProcessBuilder(CloacaProcess.ROOT.resolve("cloaca").toString(), "run", script.toString(),
                started.toString()).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(CloacaProcess.withDaemonDefaults(env(Map.of())));
        Process client = pb.start();
        CloacaProcess.awaitText(out, "pid", client);
        long daemonPid = Long.parseLong(Files.readString(out).strip().substring(4));
        while (!Files.exists(started)) {
            assertTrue(client.isAlive(), "the client ended before the script started");
            Thread.sleep(20);
        }
        new ProcessBuilder("kill", "-KILL", String.valueOf(client.pid())).start().waitFor();
        ProcessHandle daemon = ProcessHandle.of(daemonPid).orElseThrow();
        daemon.onExit().get(60, TimeUnit.SECONDS);
        assertFalse(daemon.isAlive(), "the daemon ends with its killed client");
        CloacaProcess.Result next = run(dir, Map.of(), "", "run", script("ok.py", "print('ok')\n").toString());
        assertEquals(0, next.exitCode(), next::toString);
        assertEquals("ok\n", next.stdout());
    }

    @Test
    void sigterm_exits_143() throws Exception {
        Path started = dir.resolve("started");
        Path script = script("term.py", """
                import sys, time
                open(sys.argv[1], "w").close()
                time.sleep(600)
                """);
        ProcessBuilder pb = new ProcessBuilder(CloacaProcess.ROOT.resolve("cloaca").toString(), "run", script.toString(),
                started.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(CloacaProcess.withDaemonDefaults(env(Map.of())));
        Process client = pb.start();
        while (!Files.exists(started)) {
            assertTrue(client.isAlive(), "the client ended before the script started");
            Thread.sleep(20);
        }
        client.destroy();
        assertTrue(client.waitFor(60, TimeUnit.SECONDS));
        assertEquals(143, client.exitValue());
        CloacaProcess.Result next = run(dir, Map.of(), "", "run", script("ok.py", "print('ok')\n").toString());
        assertEquals("ok\n", next.stdout(), next::toString);
    }
}
