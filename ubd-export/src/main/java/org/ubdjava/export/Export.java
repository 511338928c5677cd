package org.ubdjava.export;

import java.io.IOException;
import java.util.List;

/**
 * A driver's devices served to clients outside this process, from {@link #start} until
 * {@link #close}: the lifecycle every protocol's server shares, as QEMU's BlockExportDriver gives it
 * (create, request_shutdown, delete). {@link AbstractExport} carries out what they do alike.
 *
 * <p>{@link #start} refuses an address it could not listen on before any device is attached,
 * attaches every device (a wrong SPEC fails at once, before any warm-up or client), warms the
 * request path, then listens and accepts; when any of it fails, what it took is released and the
 * driver closed. {@link #close} is the orderly stop, also what SIGINT and SIGTERM run
 * ({@link Servers#closeOnSignal}): stop accepting, answer what is in flight, flush and release
 * every disk, remove the sockets, close the driver.
 */
public interface Export extends AutoCloseable {
    /**
     * Has {@link #start} warm the driver's request path for at most {@code millis} once every
     * device is attached, before any client is accepted ({@link Servers#warmUp}; 0, the default: not).
     */
    Export warmUpFirst(long millis);

    /** Attaches, warms, listens and accepts, as the type says; owns the driver from here on. */
    Export start() throws IOException;

    /** One per device, in the order they were given, once started. */
    List<Endpoint> endpoints();

    /** Blocks until {@link #close} has finished (from any thread, e.g. a signal's). */
    void awaitClosed() throws InterruptedException;

    @Override
    void close() throws IOException;
}
