package org.ubdjava.export.nbd;

import static org.ubdjava.export.nbd.NbdProtocol.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.BooleanSupplier;

import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.Completion;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

/**
 * The transmission phase of one connection: this thread reads requests and submits them to the
 * driver without waiting for earlier ones (pipelining); a {@link ReplyWriter} thread sends each
 * reply as its request completes.
 *
 * <p>Invariant: every slot is, at any time, in exactly one place: the free queue, this reader,
 * the driver's ring, or the done queue / writer. Ending therefore means taking back all
 * {@link #SLOTS} slots: then every request read has been answered (or dropped, if the client is
 * gone) and nothing of this connection remains in the driver.
 */
final class Transmission {
    /** Requests in flight per connection; the reader waits for a free slot beyond this (backpressure). */
    static final int SLOTS = 64;

    private final SocketChannel ch;
    private final RequestRules.Session session;
    private final NbdExport export;
    private final UbdDriver driver;
    private final BooleanSupplier shuttingDown;
    private final NbdRequest[] slots = new NbdRequest[SLOTS];
    private final BlockingQueue<NbdRequest> free = new ArrayBlockingQueue<>(SLOTS);
    private final BlockingQueue<NbdRequest> done = new ArrayBlockingQueue<>(SLOTS + 1);
    private final ByteBuffer header = ByteBuffer.allocate(REQUEST_HEADER_BYTES);
    /** Runs on the driver's I/O thread: only records the outcome and hands the slot to the writer. */
    private final Completion completion = this::completed;

    Transmission(SocketChannel ch, RequestRules.Session session, UbdDriver driver, BooleanSupplier shuttingDown) {
        this.ch = ch;
        this.session = session;
        this.export = session.export();
        this.driver = driver;
        this.shuttingDown = shuttingDown;
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new NbdRequest(i);
            free.add(slots[i]);
        }
    }

    /** The client left (its socket broke under a reply) with replies it never got. */
    static final class ClientGone extends IOException {
        ClientGone(int replies) {
            super("closed with " + replies + (replies == 1 ? " reply" : " replies") + " pending");
        }
    }

    /**
     * Serves until NBD_CMD_DISC, end of input or a broken stream; returns once every request read was answered.
     *
     * @throws ClientGone when replies could not be sent: the client left first (whatever the reader then saw of the socket)
     */
    void run() throws IOException, InterruptedException {
        ReplyWriter replies = new ReplyWriter(ch, session.structuredReplies(), done, free);
        Thread writer = new Thread(replies, Thread.currentThread().getName() + "-replies");
        writer.setDaemon(true);
        writer.start();
        IOException failure = null;
        try {
            while (serveOne()) {
                // next request
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            for (int i = 0; i < SLOTS; i++) {
                free.take();
            }
            done.add(ReplyWriter.STOP);
            writer.join();
        }
        if (replies.dropped() > 0) {
            throw new ClientGone(replies.dropped());
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Reads one request and starts it; false when the client is done. */
    private boolean serveOne() throws IOException, InterruptedException {
        header.clear();
        if (ch.read(header) < 0) {
            return false; // the client hung up between requests
        }
        Wire.readFully(ch, header);
        if (header.getInt() != NBD_REQUEST_MAGIC) {
            throw new NbdProtocolException("request without NBD_REQUEST_MAGIC");
        }
        NbdRequest r = free.take();
        r.flags = Short.toUnsignedInt(header.getShort());
        r.type = Short.toUnsignedInt(header.getShort());
        r.handle = header.getLong();
        r.offset = header.getLong();
        r.length = Integer.toUnsignedLong(header.getInt());
        r.error = RequestRules.check(session, r.type, r.flags, r.offset, r.length);
        if (r.type == NBD_CMD_WRITE) {
            // the payload follows whatever we think of the request: consume it to stay in step
            try {
                if (r.length <= MAX_PAYLOAD) {
                    Wire.readFully(ch, r.buffer((int) r.length));
                } else {
                    Wire.skip(ch, r.length);
                }
            } catch (IOException e) {
                r.done();
                free.add(r); // the slot invariant holds on every path
                throw e;
            }
        }
        if (r.type == NBD_CMD_DISC) {
            r.done();
            free.add(r);
            return false;
        }
        if (r.error != NBD_OK || !RequestRules.needsDriver(r.type, r.length)) {
            done.add(r);
        } else {
            submit(r);
        }
        return true;
    }

    /**
     * Hands a checked request to the driver. A driver that refuses it (closed) is expected only
     * while the server shuts down: then ESHUTDOWN, as the protocol asks. Anything else is a bug:
     * the request gets EIO and the failure ends the connection, logged with the client's name.
     */
    private void submit(NbdRequest r) {
        int fua = (r.flags & NBD_CMD_FLAG_FUA) != 0 ? IoOp.FUA : 0;
        try {
            switch (r.type) {
                case NBD_CMD_READ -> driver.submit(export.disk(), IoOp.READ, r.offset, r.buffer((int) r.length), 0, completion, r.slot);
                case NBD_CMD_WRITE -> driver.submit(export.disk(), IoOp.WRITE, fua, r.offset, r.data, 0, completion, r.slot);
                case NBD_CMD_FLUSH -> driver.submit(export.disk(), IoOp.FLUSH, 0, null, 0, completion, r.slot);
                case NBD_CMD_TRIM -> driver.submit(export.disk(), IoOp.DISCARD, fua, r.offset, null, r.length, completion, r.slot);
                case NBD_CMD_WRITE_ZEROES -> driver.submit(export.disk(), IoOp.WRITE_ZEROES,
                        fua | ((r.flags & NBD_CMD_FLAG_FAST_ZERO) != 0 ? IoOp.FAST_ZERO : 0), r.offset, null, r.length, completion, r.slot);
                case NBD_CMD_CACHE -> driver.submit(export.disk(), IoOp.PREFETCH, r.offset, null, r.length, completion, r.slot);
                case NBD_CMD_BLOCK_STATUS -> driver.submitExtents(export.disk(), r.offset, r.length,
                        r.blockStatus((r.flags & NBD_CMD_FLAG_REQ_ONE) != 0 ? 1 : MAX_DESCRIPTORS), completion, r.slot);
                default -> throw new IllegalStateException("RequestRules let command " + r.type + " through");
            }
        } catch (RuntimeException e) {
            boolean shutdown = e instanceof IllegalStateException && shuttingDown.getAsBoolean();
            r.error = shutdown ? NBD_ESHUTDOWN : NBD_EIO;
            done.add(r); // answered either way: the slot invariant holds, and ending the connection cannot hang on it
            if (!shutdown) {
                throw e;
            }
        }
    }

    private void completed(long tag, IoStatus status) {
        NbdRequest r = slots[(int) tag];
        r.error = errorOf(status, r.flags);
        done.add(r);
    }

    /**
     * The driver's status as an NBD error. NOTSUPP is ENOTSUP only for a fast-zero request, the one
     * case the protocol gives it; otherwise EINVAL.
     */
    static int errorOf(IoStatus status, int commandFlags) {
        return switch (status) {
            case OK -> NBD_OK;
            case IOERR -> NBD_EIO;
            case NOSPC -> NBD_ENOSPC;
            case READ_ONLY -> NBD_EPERM; // RequestRules answers it first, as qemu-nbd does
            case NOTSUPP -> (commandFlags & NBD_CMD_FLAG_FAST_ZERO) != 0 ? NBD_ENOTSUP : NBD_EINVAL;
        };
    }
}
