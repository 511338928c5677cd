package org.ubdjava.export.nbd;

import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.function.Consumer;

import org.ubdjava.driver.queue.UbdDriver;
import org.ubdjava.export.Servers;

/** One client, from greeting to close, on its own thread. A broken client ends only its own connection. */
final class NbdConnection implements Runnable {
    private final SocketChannel ch;
    private final String peer;
    private final NbdExports exports;
    private final UbdDriver driver;
    private final NbdServer server;
    private final Consumer<String> log;

    NbdConnection(SocketChannel ch, String peer, NbdExports exports, UbdDriver driver, NbdServer server, Consumer<String> log) {
        this.ch = ch;
        this.peer = peer;
        this.exports = exports;
        this.driver = driver;
        this.server = server;
        this.log = log;
    }

    /** The reason a connection ends is logged before it is closed: whoever sees the close can find why. */
    @Override
    public void run() {
        try {
            Optional<Negotiation.Result> chosen = new Negotiation(ch, exports, server::shuttingDown).run();
            if (chosen.isPresent()) {
                new Transmission(ch, chosen.get().session(), driver, server::shuttingDown).run();
            }
        } catch (Transmission.ClientGone gone) {
            log.accept("client " + peer + ": " + gone.getMessage());
        } catch (EOFException | AsynchronousCloseException gone) {
            // the client left mid-message, or the server is stopping: nothing to say
        } catch (IOException e) {
            log.accept("client " + peer + ": " + Servers.describe(e) + "; connection closed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.accept("client " + peer + ": internal error: " + Servers.describe(e) + "; connection closed");
        } finally {
            forceClose();
            server.ended(this);
        }
    }

    /** Stops taking requests: the reader sees end of input, answers what is in flight, and closes. */
    void stopReading() {
        try {
            ch.shutdownInput();
        } catch (IOException ignored) {
            // already closed
        }
    }

    void forceClose() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
