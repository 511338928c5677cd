package org.ubdjava.export.nbd;

import static org.ubdjava.export.nbd.NbdProtocol.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.BlockingQueue;

/**
 * The one thread that writes a connection's replies, in the order requests complete (each reply
 * carries the client's handle, so order is free). Sole writer of the socket in transmission, so
 * replies never interleave. After a failed write the client is gone: the channel is closed (which
 * ends the reader too) and the remaining replies are dropped, but every slot still goes back to
 * the free queue so the reader can account for every request in flight.
 */
final class ReplyWriter implements Runnable {
    /** Put on the done queue after the last real reply. */
    static final NbdRequest STOP = new NbdRequest(-1);

    private final SocketChannel ch;
    private final boolean structuredReplies;
    private final BlockingQueue<NbdRequest> done;
    private final BlockingQueue<NbdRequest> free;
    private final ByteBuffer header = ByteBuffer.allocateDirect(CHUNK_HEADER_BYTES + 8);
    private final ByteBuffer[] gather = new ByteBuffer[2];
    private boolean broken;
    /** Replies not sent because the client had gone: read only after this thread has ended. */
    private int dropped;

    ReplyWriter(SocketChannel ch, boolean structuredReplies, BlockingQueue<NbdRequest> done, BlockingQueue<NbdRequest> free) {
        this.ch = ch;
        this.structuredReplies = structuredReplies;
        this.done = done;
        this.free = free;
    }

    @Override
    public void run() {
        while (true) {
            NbdRequest r;
            try {
                r = done.take();
            } catch (InterruptedException e) {
                return;
            }
            if (r == STOP) {
                return;
            }
            try {
                if (!broken) {
                    write(r);
                } else {
                    dropped++;
                }
            } catch (IOException e) {
                broken = true;
                dropped++;
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing a broken socket
                }
            } finally {
                r.done();
                free.add(r);
            }
        }
    }

    /** Replies the client did not get (it had gone); valid once this writer's thread has ended. */
    int dropped() {
        return dropped;
    }

    /**
     * Structured replies, once negotiated, for what has a payload (READ, BLOCK_STATUS), as the
     * protocol requires; simple replies otherwise. A zero-length read's success is the NONE chunk:
     * a data chunk must carry at least one byte.
     */
    private void write(NbdRequest r) throws IOException {
        header.clear();
        ByteBuffer payload = null;
        boolean structured = structuredReplies && (r.type == NBD_CMD_READ || r.type == NBD_CMD_BLOCK_STATUS);
        if (structured) {
            header.putInt(NBD_STRUCTURED_REPLY_MAGIC).putShort((short) NBD_REPLY_FLAG_DONE);
            if (r.error != NBD_OK) {
                // error value, then a message length of zero
                header.putShort((short) NBD_REPLY_TYPE_ERROR).putLong(r.handle).putInt(6).putInt(r.error).putShort((short) 0);
            } else if (r.type == NBD_CMD_BLOCK_STATUS) {
                payload = r.blockStatusPayload();
                header.putShort((short) NBD_REPLY_TYPE_BLOCK_STATUS).putLong(r.handle).putInt(payload.remaining());
            } else if (r.length == 0) {
                header.putShort((short) NBD_REPLY_TYPE_NONE).putLong(r.handle).putInt(0);
            } else {
                payload = r.data;
                header.putShort((short) NBD_REPLY_TYPE_OFFSET_DATA).putLong(r.handle).putInt(8 + payload.remaining())
                        .putLong(r.offset);
            }
        } else {
            header.putInt(NBD_SIMPLE_REPLY_MAGIC).putInt(r.error).putLong(r.handle);
            if (r.type == NBD_CMD_READ && r.error == NBD_OK && r.length > 0) {
                payload = r.data;
            }
        }
        header.flip();
        if (payload == null) {
            Wire.writeFully(ch, header);
            return;
        }
        gather[0] = header;
        gather[1] = payload;
        while (header.hasRemaining() || payload.hasRemaining()) {
            ch.write(gather);
        }
        gather[1] = null;
    }
}
