package io.cloaca.cli.daemon;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code cloaca daemon status|stop}: lists or stops this user's background runtimes. */
@Command(name = "daemon", mixinStandardHelpOptions = true,
        description = {"List (status) or stop the background runtimes that `cloaca run` uses.",
                "A busy one stops when its script ends. Stale sockets of dead ones are removed."})
public final class DaemonCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ACTION", description = "status or stop")
    String action;

    @Override
    public Integer call() throws IOException {
        boolean stop = switch (action) {
            case "status" -> false;
            case "stop" -> true;
            default -> {
                System.err.println("cloaca daemon: unknown action '" + action + "'; the actions are status, stop");
                yield false;
            }
        };
        if (!stop && !"status".equals(action)) {
            return 2;
        }
        SocketFolder folder = SocketFolder.fromProperty();
        if (!Files.isDirectory(folder.dir())) {
            System.out.println("no background runtimes");
            return 0;
        }
        List<Path> sockets = folder.sockets();
        int found = 0;
        for (Path socket : sockets) {
            String answer = SocketFolder.ask(socket, stop ? new Frame.Stop() : new Frame.Status());
            if (answer != null) {
                System.out.println(answer);
                found++;
            }
        }
        if (found == 0) {
            System.out.println("no background runtimes");
        }
        return 0;
    }

}
