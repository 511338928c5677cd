package org.ubdjava.export.nbd;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.ubdjava.core.UbdException;
import org.ubdjava.export.Servers;

/**
 * Where the server listens: {@code unix:PATH} (the default, {@code unix:ubd.sock}) or
 * {@code tcp:HOST:PORT}; a bare {@code tcp:PORT} means 127.0.0.1, so nothing is ever exposed
 * beyond the machine unless a host is named.
 */
public sealed interface ListenAddress {
    String DEFAULT = "unix:ubd.sock";
    String LOOPBACK = "127.0.0.1";

    ServerSocketChannel bind() throws IOException;

    /** The NBD URI (without export name) a client uses to reach the bound channel. */
    String uri(ServerSocketChannel bound, String export) throws IOException;

    /** Removes what binding left behind (the socket file). */
    void cleanUp();

    /** Refuses, before any device is attached, an address that binding would refuse. */
    default void check() {
    }

    static ListenAddress parse(String text) {
        if (text.startsWith("unix:") && text.length() > "unix:".length()) {
            return new Unix(Path.of(text.substring("unix:".length())).toAbsolutePath());
        }
        if (text.startsWith("tcp:")) {
            String rest = text.substring("tcp:".length());
            int colon = rest.lastIndexOf(':');
            String host = colon < 0 ? LOOPBACK : rest.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                int port = Integer.parseInt(rest.substring(colon + 1));
                if (port < 0 || port > 65535 || host.isEmpty()) {
                    throw new NumberFormatException();
                }
                return new Tcp(host, port);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + text + "\": expected tcp:HOST:PORT (PORT 0 to 65535, 0 picks a free one)");
            }
        }
        throw new IllegalArgumentException("\"" + text + "\": expected unix:PATH or tcp:HOST:PORT");
    }

    record Unix(Path path) implements ListenAddress {
        @Override
        public void check() {
            Servers.requireListenable(path);
        }

        @Override
        public ServerSocketChannel bind() throws IOException {
            Servers.removeStaleSocket(path);
            ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.bind(UnixDomainSocketAddress.of(path));
            } catch (IOException e) {
                ch.close();
                throw new UbdException(path + ": cannot listen: " + e.getMessage(), e);
            }
            return ch;
        }

        @Override
        public String uri(ServerSocketChannel bound, String export) {
            return "nbd+unix:///" + export + "?socket=" + path;
        }

        @Override
        public void cleanUp() {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // best effort at shutdown: a stale socket is removed by the next bind
            }
        }
    }

    record Tcp(String host, int port) implements ListenAddress {
        @Override
        public ServerSocketChannel bind() throws IOException {
            ServerSocketChannel ch = ServerSocketChannel.open();
            try {
                ch.bind(new InetSocketAddress(host, port));
            } catch (IOException e) {
                ch.close();
                throw new UbdException(host + ":" + port + ": cannot listen: " + e.getMessage(), e);
            }
            return ch;
        }

        @Override
        public String uri(ServerSocketChannel bound, String export) throws IOException {
            InetSocketAddress a = (InetSocketAddress) bound.getLocalAddress();
            String h = a.getAddress().getHostAddress();
            return "nbd://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + a.getPort() + "/" + export;
        }

        @Override
        public void cleanUp() {
        }
    }
}
