package io.cloaca.cli.daemon;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The folder of the background runtimes' sockets, {@code <key>-<n>.sock}, private to the user (mode 700:
 * whoever can connect can run code as this user). The launcher makes it and passes it in the system
 * property {@code cloaca.daemon.dir}.
 */
record SocketFolder(Path dir) {

    static final String PROPERTY = "cloaca.daemon.dir";
    /** How many daemons of one key may run side by side (one per concurrent {@code cloaca run}). */
    static final int MAX_PER_KEY = 16;

    static SocketFolder fromProperty() throws IOException {
        String dir = System.getProperty(PROPERTY);
        if (dir == null || dir.isBlank()) {
            throw new IOException("no daemon folder given (system property " + PROPERTY + ")");
        }
        return new SocketFolder(Path.of(dir));
    }

    /** Fails unless the folder is a directory of this user that no one else may enter. */
    void checkPrivate() throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
        if (!perms.equals(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE))) {
            throw new IOException(dir + " must have mode 700 (it holds sockets that run code as you), not "
                    + java.nio.file.attribute.PosixFilePermissions.toString(perms));
        }
        String owner = Files.getOwner(dir).getName();
        if (!owner.equals(System.getProperty("user.name"))) {
            throw new IOException(dir + " belongs to " + owner + ", not to " + System.getProperty("user.name"));
        }
    }

    Path socket(String key, int n) {
        return dir.resolve(key + "-" + n + ".sock");
    }

    Path log(String key, int n) {
        return dir.resolve(key + "-" + n + ".log");
    }

    /** Every socket in the folder, of any key. */
    List<Path> sockets() throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*.sock")) {
            entries.forEach(found::add);
        }
        found.sort(null);
        return found;
    }

    /**
     * Sends {@code request} ({@link Frame.Status} or {@link Frame.Stop}) to the daemon on {@code socket}
     * and returns its one-line answer, or null (removing the socket) when no one listens on it.
     */
    static String ask(Path socket, Frame request) throws IOException {
        SocketChannel channel;
        try {
            channel = connect(socket);
        } catch (java.net.ConnectException | java.nio.file.NoSuchFileException e) {
            Files.deleteIfExists(socket);
            return null;
        }
        try (channel) {
            Frame.write(new java.io.DataOutputStream(new java.io.BufferedOutputStream(ChannelStreams.out(channel))), request);
            Frame answer = Frame.read(new java.io.DataInputStream(new java.io.BufferedInputStream(ChannelStreams.in(channel))));
            return answer instanceof Frame.Info info ? info.text() : null;
        }
    }

    static SocketChannel connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }
}
