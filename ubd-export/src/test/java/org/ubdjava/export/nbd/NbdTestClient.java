package org.ubdjava.export.nbd;

import static org.ubdjava.export.nbd.NbdWireSpec.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** {@link RawNbdClient} for tests outside this package: one export, reads with a deadline (a hang fails the test, not the build). */
public final class NbdTestClient implements AutoCloseable {
    public static final int EIO = NBD_EIO;

    public record Reply(int error, byte[] data) {
    }

    private final RawNbdClient c;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "nbd-test-client");
        t.setDaemon(true);
        return t;
    });
    private long handle;

    private NbdTestClient(RawNbdClient c) {
        this.c = c;
    }

    public static NbdTestClient connect(Path socket, String export) throws IOException {
        RawNbdClient c = new RawNbdClient(socket).greet();
        c.exportName(export);
        return new NbdTestClient(c);
    }

    /** A read, its reply within {@code millis} ms. */
    public Reply read(long offset, int length, long millis) throws Exception {
        long h = ++handle;
        c.request(NBD_CMD_READ, 0, h, offset, length, null);
        return reader.submit(() -> {
            RawNbdClient.SimpleReply r = c.simpleReply();
            if (r.handle() != h) {
                throw new IOException("reply to " + r.handle() + ", not " + h);
            }
            return new Reply(r.error(), r.error() == NBD_OK ? c.data(length) : null);
        }).get(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws IOException {
        reader.shutdownNow();
        c.close();
    }
}
