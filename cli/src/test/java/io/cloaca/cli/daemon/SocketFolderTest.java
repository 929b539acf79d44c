package io.cloaca.cli.daemon;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Daemons starting side by side (a client's and a standby) and clients clearing dead daemons' sockets must
 * never leave a live daemon without its socket name: such a daemon serves no one and, when it exits, would
 * remove the name of the daemon that replaced it.
 */
class SocketFolderTest {

    @TempDir
    Path dir;

    @Test
    void a_published_socket_accepts_and_no_second_daemon_takes_its_name() throws Exception {
        Path socket = dir.resolve("k-0.sock");
        try (ServerSocketChannel first = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             ServerSocketChannel second = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            assertNotNull(SocketFolder.publish(first, socket));
            assertNull(SocketFolder.publish(second, socket), "the name is held");
            try (SocketChannel client = SocketFolder.connect(socket)) {
                assertNotNull(client);
                first.accept().close();
            }
            try (var entries = Files.list(dir)) {
                assertEquals(1, entries.count(), "only the published name is left in the folder");
            }
        }
    }

    @Test
    void a_dead_daemons_socket_is_removed_by_the_client_that_finds_it() throws Exception {
        Path socket = dir.resolve("k-0.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        assertNotNull(SocketFolder.publish(dead, socket));
        dead.close();
        assertTrue(Files.exists(socket), "a daemon killed outright leaves its socket behind");
        assertNull(SocketFolder.connect(socket));
        assertFalse(Files.exists(socket));
        assertNull(SocketFolder.connect(socket), "no socket, no daemon");
    }

    @Test
    void an_exiting_daemon_leaves_the_socket_of_the_one_that_replaced_it() throws Exception {
        Path socket = dir.resolve("k-0.sock");
        try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             ServerSocketChannel replacement = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            Object oldFile = SocketFolder.publish(old, socket);
            Files.delete(socket);
            assertNotNull(SocketFolder.publish(replacement, socket));
            SocketFolder.removeIfSame(socket, oldFile);
            try (SocketChannel client = SocketFolder.connect(socket)) {
                assertNotNull(client, "the replacement is still reachable");
            }
        }
    }
}
