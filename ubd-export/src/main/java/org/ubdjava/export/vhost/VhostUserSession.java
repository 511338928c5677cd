package org.ubdjava.export.vhost;

import static org.ubdjava.export.vhost.VhostUserMessage.*;

import java.io.IOException;
import java.nio.ByteBuffer;


import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import org.ubdjava.core.nativeio.LibC;
import org.ubdjava.core.nativeio.UnixSocket;

/**
 * One front-end's connection to one device: reads its messages, keeps what they set up (features,
 * memory table, the queue's size, addresses, base and descriptors) and starts the queue once all
 * of it is there and the ring is enabled. virtio-blk without MQ has one queue, index 0.
 *
 * <p>Runs on the device's thread. Descriptors received are this object's: each is kept where a
 * message puts it or closed at once, and all are closed by {@link #close}.
 */
final class VhostUserSession implements AutoCloseable {
    /** A front-end that stops in the middle of a message is cut off after this long. */
    static final int RECEIVE_TIMEOUT_SECONDS = 10;
    /**
     * BACKEND_REQ although this back-end sends nothing on that channel: linux.uml 6.1's virtio_uml
     * allocates the device's interrupt only when it sets the channel up, and without it the queue's
     * interrupt collides with the timer's (probe fails with EBUSY, "Flags mismatch irq 0").
     */
    static final long PROTOCOL_FEATURES = VirtioBlkConfig.bit(PROTOCOL_F_REPLY_ACK) | VirtioBlkConfig.bit(PROTOCOL_F_CONFIG)
            | VirtioBlkConfig.bit(PROTOCOL_F_BACKEND_REQ);

    private final ServedDisk served;
    private final UnixSocket socket;
    private final VhostUserMessage msg = new VhostUserMessage();
    private final int[] fds = new int[UnixSocket.MAX_FDS];
    private final Memory kickBuffer = new Memory(8);
    private final long features;
    private long acked;
    private long protocolAcked;
    private GuestMemory memory = GuestMemory.EMPTY;
    private int num;
    private long descAddr = -1;
    private long availAddr = -1;
    private long usedAddr = -1;
    private int base;
    private int kickFd = -1;
    private int callFd = -1;
    private int backendFd = -1;
    private boolean enabled;
    private BlkQueue queue;

    VhostUserSession(ServedDisk served, UnixSocket socket) {
        this.served = served;
        this.socket = socket;
        this.features = VirtioBlkConfig.features(served.disk()) | VirtioBlkConfig.bit(F_PROTOCOL_FEATURES);
        socket.receiveTimeout(RECEIVE_TIMEOUT_SECONDS);
    }

    int socketFd() {
        return socket.fd();
    }

    /** The kick descriptor to wait on, or -1 while the queue is not running. */
    int kickFd() {
        return queue == null ? -1 : kickFd;
    }

    /** Consumes a kick and takes what the guest made available. */
    void kicked() throws VhostProtocolException, IOException {
        try {
            LibC.read(kickFd, kickBuffer, 8);
        } catch (LastErrorException e) {
            if (e.getErrorCode() != LibC.EAGAIN && e.getErrorCode() != LibC.EINTR) {
                throw new IOException("kick descriptor: " + LibC.describe(e), e);
            }
        }
        if (queue != null) {
            queue.process();
        }
    }

    /** See {@link BlkQueue#watch}; {@link BlkQueue#IDLE} while the queue is not running. */
    int watch(long pollNanos, long budgetNanos) throws VhostProtocolException {
        return queue == null ? BlkQueue.IDLE : queue.watch(pollNanos, budgetNanos);
    }

    /** Reads and answers one message; false at the end of the stream. */
    boolean serveOne() throws VhostProtocolException, IOException {
        int fdCount = 0;
        try {
            long got = socket.receive(msg.memory, 0, HEADER_BYTES, fds, 0);
            fdCount = (int) (got >>> 32);
            int n = (int) got;
            if (n == 0) {
                return false;
            }
            fdCount = readFully(n, HEADER_BYTES, fdCount);
            int size = msg.size();
            if (size < 0 || size > MAX_PAYLOAD) {
                throw new VhostProtocolException(name(msg.request()) + " with a payload of " + Integer.toUnsignedString(size)
                        + " bytes (at most " + MAX_PAYLOAD + ")");
            }
            fdCount = readFully(HEADER_BYTES, HEADER_BYTES + size, fdCount);
            if ((msg.flags() & FLAG_VERSION_MASK) != VERSION || (msg.flags() & FLAG_REPLY) != 0) {
                throw new VhostProtocolException(name(msg.request()) + " with flags 0x" + Integer.toHexString(msg.flags())
                        + " (version " + VERSION + ", not a reply)");
            }
            int taken = fdCount;
            fdCount = 0; // handle owns them from here, on every path
            boolean replied = handle(taken);
            if (!replied && (msg.flags() & FLAG_NEED_REPLY) != 0 && (protocolAcked & VirtioBlkConfig.bit(PROTOCOL_F_REPLY_ACK)) != 0) {
                msg.replyU64(0);
                send();
            }
            return true;
        } finally {
            for (int i = 0; i < fdCount; i++) {
                LibC.closeQuietly(fds[i]);
            }
        }
    }

    private int readFully(int from, int to, int fdCount) throws IOException {
        int at = from;
        int count = fdCount;
        while (at < to) {
            long got = socket.receive(msg.memory, at, to - at, fds, count);
            count = (int) (got >>> 32);
            int n = (int) got;
            if (n == 0) {
                for (int i = 0; i < count; i++) {
                    LibC.closeQuietly(fds[i]);
                }
                throw new IOException("the front-end hung up in the middle of " + name(msg.request()));
            }
            at += n;
        }
        return count;
    }

    private void send() throws IOException {
        socket.send(msg.memory, HEADER_BYTES + msg.size(), fds, 0);
    }

    /** Acts on the message; closes every descriptor it does not keep. True when it sent a reply. */
    private boolean handle(int fdCount) throws VhostProtocolException, IOException {
        int request = msg.request();
        if (request != SET_MEM_TABLE && request != SET_VRING_KICK && request != SET_VRING_CALL && request != SET_VRING_ERR
                && request != SET_BACKEND_REQ_FD) {
            closeAll(fdCount);
            if (fdCount > 0) {
                throw new VhostProtocolException(name(request) + " came with " + fdCount + " descriptor(s)");
            }
        }
        switch (request) {
            case SET_OWNER -> {
            }
            case RESET_OWNER -> stopQueue();
            case GET_FEATURES -> {
                msg.replyU64(features);
                send();
                return true;
            }
            case SET_FEATURES -> {
                long f = u64Payload();
                if ((f & ~features) != 0) {
                    throw new VhostProtocolException("SET_FEATURES with bits 0x" + Long.toHexString(f & ~features) + " never offered");
                }
                acked = f;
            }
            case GET_PROTOCOL_FEATURES -> {
                msg.replyU64(PROTOCOL_FEATURES);
                send();
                return true;
            }
            case SET_PROTOCOL_FEATURES -> {
                long f = u64Payload();
                if ((f & ~PROTOCOL_FEATURES) != 0) {
                    throw new VhostProtocolException("SET_PROTOCOL_FEATURES with bits 0x" + Long.toHexString(f & ~PROTOCOL_FEATURES)
                            + " never offered");
                }
                protocolAcked = f;
            }
            case GET_QUEUE_NUM -> {
                msg.replyU64(1);
                send();
                return true;
            }
            case SET_MEM_TABLE -> {
                boolean running = queue != null;
                stopQueue();
                GuestMemory m = GuestMemory.map(msg, fds, fdCount);
                memory.close();
                memory = m;
                if (running) {
                    startQueue();
                }
            }
            case SET_VRING_NUM -> {
                int n = statePayload();
                if (n < 1 || n > SplitRing.MAX_NUM || Integer.bitCount(n) != 1) {
                    throw new VhostProtocolException("SET_VRING_NUM " + Integer.toUnsignedString(n) + " (a power of two up to "
                            + SplitRing.MAX_NUM + ")");
                }
                requireStopped(request);
                num = n;
            }
            case SET_VRING_BASE -> {
                int b = statePayload();
                if (b < 0 || b > 0xffff) {
                    throw new VhostProtocolException("SET_VRING_BASE " + Integer.toUnsignedString(b) + " (a 16-bit index)");
                }
                requireStopped(request);
                base = b;
            }
            case SET_VRING_ADDR -> {
                requireSize(ADDR_BYTES);
                queueIndex(msg.payloadInt(ADDR_INDEX));
                requireStopped(request);
                descAddr = aligned("descriptor table", msg.payloadLong(ADDR_DESC), SplitRing.DESC_ALIGN);
                usedAddr = aligned("used ring", msg.payloadLong(ADDR_USED), SplitRing.USED_ALIGN);
                availAddr = aligned("available ring", msg.payloadLong(ADDR_AVAIL), SplitRing.AVAIL_ALIGN);
                startQueue();
            }
            case GET_VRING_BASE -> {
                statePayload();
                stopQueue();
                enabled = false;
                LibC.closeQuietly(kickFd);
                kickFd = -1;
                msg.replyHeader(STATE_BYTES);
                msg.bytes.putInt(HEADER_BYTES + STATE_INDEX, 0);
                msg.bytes.putInt(HEADER_BYTES + STATE_NUM, base);
                send();
                return true;
            }
            case SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR -> vringFd(request, fdCount);
            case SET_VRING_ENABLE -> {
                int on = statePayload();
                if (on != 0 && on != 1) {
                    throw new VhostProtocolException("SET_VRING_ENABLE " + Integer.toUnsignedString(on));
                }
                enabled = on == 1;
                if (enabled) {
                    startQueue();
                } else {
                    stopQueue();
                }
            }
            case SET_BACKEND_REQ_FD -> {
                if (fdCount != 1 || msg.size() != 0) {
                    closeAll(fdCount);
                    throw new VhostProtocolException("SET_BACKEND_REQ_FD with " + fdCount + " descriptor(s) and " + msg.size()
                            + " payload bytes (expected 1 and 0)");
                }
                LibC.closeQuietly(backendFd);
                backendFd = fds[0]; // kept open so the front-end sees no hang-up; nothing is sent on it
            }
            case GET_CONFIG -> {
                getConfig();
                return true;
            }
            case SET_CONFIG -> {
                // nothing of virtio-blk's configuration is writable here (no CONFIG_WCE): refuse the write
                if ((msg.flags() & FLAG_NEED_REPLY) != 0 && (protocolAcked & VirtioBlkConfig.bit(PROTOCOL_F_REPLY_ACK)) != 0) {
                    msg.replyU64(1);
                    send();
                }
                return true;
            }
            default -> throw new VhostProtocolException("unsupported " + name(request));
        }
        return false;
    }

    private void closeAll(int fdCount) {
        for (int i = 0; i < fdCount; i++) {
            LibC.closeQuietly(fds[i]);
        }
    }

    private void requireSize(int bytes) throws VhostProtocolException {
        if (msg.size() != bytes) {
            throw new VhostProtocolException(name(msg.request()) + " with a payload of " + msg.size() + " bytes (expected " + bytes + ")");
        }
    }

    private long u64Payload() throws VhostProtocolException {
        requireSize(U64_BYTES);
        return msg.u64();
    }

    /** Checks a vring state payload for queue 0 and returns its number. */
    private int statePayload() throws VhostProtocolException {
        requireSize(STATE_BYTES);
        queueIndex(msg.payloadInt(STATE_INDEX));
        return msg.payloadInt(STATE_NUM);
    }

    private void queueIndex(int index) throws VhostProtocolException {
        if (index != 0) {
            throw new VhostProtocolException(name(msg.request()) + " for queue " + Integer.toUnsignedString(index) + " (a virtio-blk device without MQ has queue 0 only)");
        }
    }

    private void requireStopped(int request) throws VhostProtocolException {
        if (queue != null) {
            throw new VhostProtocolException(name(request) + " while the queue runs");
        }
    }

    private void vringFd(int request, int fdCount) throws VhostProtocolException {
        long v;
        try {
            v = u64Payload();
            long index = v & ~VRING_NOFD;
            if (index != 0) {
                throw new VhostProtocolException(name(request) + " for queue " + Long.toUnsignedString(index)
                        + " (a virtio-blk device without MQ has queue 0 only)");
            }
            boolean none = (v & VRING_NOFD) != 0;
            if (fdCount != (none ? 0 : 1)) {
                throw new VhostProtocolException(name(request) + " came with " + fdCount + " descriptor(s), expected " + (none ? 0 : 1));
            }
            if (request == SET_VRING_KICK && none) {
                throw new VhostProtocolException("SET_VRING_KICK without a descriptor (polling) is not supported");
            }
        } catch (VhostProtocolException e) {
            closeAll(fdCount);
            throw e;
        }
        int fd = fdCount == 1 ? fds[0] : -1;
        switch (request) {
            case SET_VRING_KICK -> {
                requireStoppedOrClose(request, fd);
                LibC.closeQuietly(kickFd);
                kickFd = fd;
                nonBlocking(fd);
                startQueue();
            }
            case SET_VRING_CALL -> {
                requireStoppedOrClose(request, fd);
                LibC.closeQuietly(callFd);
                callFd = fd;
                if (fd >= 0) {
                    nonBlocking(fd); // a guest that stops reading its interrupts must not stall the driver's I/O thread
                }
            }
            default -> LibC.closeQuietly(fd); // no error reporting here
        }
    }

    private void requireStoppedOrClose(int request, int fd) throws VhostProtocolException {
        if (queue != null) {
            LibC.closeQuietly(fd);
            throw new VhostProtocolException(name(request) + " while the queue runs");
        }
    }

    private static void nonBlocking(int fd) {
        try {
            LibC.fcntl(fd, LibC.F_SETFL, LibC.fcntl(fd, LibC.F_GETFL, 0) | LibC.O_NONBLOCK);
        } catch (LastErrorException ignored) {
            // not a file we can set flags on: it then blocks as the front-end made it
        }
    }

    private void getConfig() throws VhostProtocolException, IOException {
        if (msg.size() < CONFIG_DATA) {
            throw new VhostProtocolException("GET_CONFIG with a payload of " + msg.size() + " bytes");
        }
        int from = msg.payloadInt(CONFIG_OFFSET);
        int size = msg.payloadInt(CONFIG_SIZE);
        if (from < 0 || size < 0 || from > CONFIG_MAX || size > CONFIG_MAX - from || msg.size() != CONFIG_DATA + size) {
            throw new VhostProtocolException("GET_CONFIG of " + Integer.toUnsignedString(size) + " bytes at "
                    + Integer.toUnsignedString(from) + " in a payload of " + msg.size() + " bytes");
        }
        ByteBuffer space = VirtioBlkConfig.space(served.disk());
        for (int i = 0; i < size; i++) {
            int at = from + i;
            msg.bytes.put(HEADER_BYTES + CONFIG_DATA + i, at < space.capacity() ? space.get(at) : 0);
        }
        msg.replyHeader(CONFIG_DATA + size);
        send();
    }

    /** Starts the queue when all it needs is set and (with protocol features) it is enabled. */
    private void startQueue() throws VhostProtocolException {
        boolean needsEnable = (acked & VirtioBlkConfig.bit(F_PROTOCOL_FEATURES)) != 0;
        if (queue != null || num == 0 || descAddr == -1 || kickFd < 0 || memory.regionCount() == 0 || (needsEnable && !enabled)) {
            return;
        }
        ByteBuffer desc = part("descriptor table", descAddr, SplitRing.descBytes(num));
        ByteBuffer avail = part("available ring", availAddr, SplitRing.availBytes(num));
        ByteBuffer used = part("used ring", usedAddr, SplitRing.usedBytes(num));
        queue = new BlkQueue(served, memory, new SplitRing(num, desc, avail, used), base, callFd);
        queue.process(); // kicks may have come before the ring was enabled
    }

    /** Atomic access to the ring's indexes needs the alignment the virtio spec requires anyway. */
    private static long aligned(String what, long addr, int align) throws VhostProtocolException {
        if ((addr & (align - 1)) != 0) {
            throw new VhostProtocolException("the " + what + " at 0x" + Long.toHexString(addr) + " is not aligned to " + align + " bytes");
        }
        return addr;
    }

    private ByteBuffer part(String what, long addr, long bytes) throws VhostProtocolException {
        ByteBuffer b = memory.userSlice(addr, bytes);
        if (b == null) {
            throw new VhostProtocolException("the " + what + " (" + bytes + " bytes at 0x" + Long.toHexString(addr)
                    + ") lies outside the memory table");
        }
        return b;
    }

    /** Stops the queue (its requests all ran on this thread) and gives the disk back to the rings: its base is where it stopped. */
    private void stopQueue() {
        if (queue != null) {
            queue.close();
            base = queue.lastAvail();
            queue = null;
        }
    }

    /** Ends the connection: requests in flight complete first, then the memory is unmapped. */
    @Override
    public void close() {
        stopQueue();
        LibC.closeQuietly(kickFd);
        LibC.closeQuietly(callFd);
        LibC.closeQuietly(backendFd);
        kickFd = -1;
        callFd = -1;
        backendFd = -1;
        memory.close();
        memory = GuestMemory.EMPTY;
        socket.close();
    }
}
