package io.cloaca.cli.daemon;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
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
     * and returns its one-line answer, or null when no one listens on it.
     */
    static String ask(Path socket, Frame request) throws IOException {
        SocketChannel channel = connect(socket);
        if (channel == null) {
            return null;
        }
        try (channel) {
            Frame.write(new java.io.DataOutputStream(new java.io.BufferedOutputStream(ChannelStreams.out(channel))), request);
            Frame answer = Frame.read(new java.io.DataInputStream(new java.io.BufferedInputStream(ChannelStreams.in(channel))));
            return answer instanceof Frame.Info info ? info.text() : null;
        }
    }

    /**
     * Connects to the daemon on {@code socket}, or returns null when there is none: no such file, or a file
     * no one listens on (its daemon died without removing it), which is removed unless another daemon has
     * published a new socket under the name in the meantime.
     */
    static SocketChannel connect(Path socket) throws IOException {
        Object file;
        try {
            file = fileKey(socket);
        } catch (NoSuchFileException e) {
            return null;
        }
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return channel;
        } catch (ConnectException | NoSuchFileException e) {
            channel.close();
            removeIfSame(socket, file);
            return null;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Binds {@code server} and publishes it as {@code socket} only once it listens, and only if the name is
     * free: bound under a name of its own, then hard-linked (which fails if the name exists). A client
     * therefore never finds the name before a daemon accepts on it, and never mistakes a starting daemon
     * for a dead one, whose socket it would remove (orphaning the daemon). Returns the published file's
     * key, for {@link #removeIfSame}, or null when another daemon holds the name.
     */
    static Object publish(ServerSocketChannel server, Path socket) throws IOException {
        Path own = socket.resolveSibling(socket.getFileName() + "." + ProcessHandle.current().pid() + ".new");
        Files.deleteIfExists(own);
        server.bind(UnixDomainSocketAddress.of(own));
        try {
            Files.createLink(socket, own);
            return fileKey(socket);
        } catch (FileAlreadyExistsException e) {
            return null;
        } finally {
            Files.deleteIfExists(own);
        }
    }

    /**
     * Removes {@code socket} if it is still the file whose key is {@code file}: a daemon exiting, or a client
     * clearing a dead daemon's socket, must not remove one that another daemon has published since.
     */
    static void removeIfSame(Path socket, Object file) {
        try {
            if (file.equals(fileKey(socket))) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException e) {
            // gone already, or unreadable: nothing of ours to remove
        }
    }

    private static Object fileKey(Path socket) throws IOException {
        return Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }
}
