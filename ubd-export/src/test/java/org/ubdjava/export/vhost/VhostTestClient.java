package org.ubdjava.export.vhost;

import static org.ubdjava.export.vhost.VhostWireSpec.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import org.ubdjava.core.nativeio.LibC;
import org.ubdjava.core.nativeio.UnixSocket;

/**
 * A vhost-user front-end for tests, as virtio_uml behaves: guest memory is a memfd (one region,
 * mapped at a file offset, guest address = user address), the kick an eventfd, the call one end
 * of a socketpair. Builds messages, split rings and virtio-blk requests by hand, with the
 * specification's numbers ({@link VhostWireSpec}), never the back-end's.
 */
final class VhostTestClient implements AutoCloseable {
    static final long GUEST = 0x4000_0000L;
    static final long FILE_OFFSET = 0x1000;
    static final int MEM_SIZE = 1 << 20;
    static final long DESC = GUEST;
    static final long AVAIL = GUEST + 0x1000;
    static final long USED = GUEST + 0x2000;
    /** Request headers and status bytes live here, 64 bytes per descriptor index. */
    static final long HEADERS = GUEST + 0x4000;
    static final long DATA = GUEST + 0x10000;
    /** Room for the payload of any message sent or answered here: the back-end takes at most 4 KiB. */
    static final int PAYLOAD_BYTES = 4096;

    final UnixSocket socket;
    final int memfd;
    final Pointer map;
    /** The guest memory from GUEST on. */
    final ByteBuffer mem;
    final int kick;
    final int callOurs;
    final int callTheirs;
    /** The message buffer, header at 0 and payload at {@link VhostWireSpec#HEADER_BYTES}: what is sent, and the last reply. */
    final Memory wire = new Memory(HEADER_BYTES + PAYLOAD_BYTES);
    final ByteBuffer msg = wire.getByteBuffer(0, wire.size()).order(ByteOrder.LITTLE_ENDIAN);
    private final int[] fds = new int[UnixSocket.MAX_FDS];
    private final Memory eight = new Memory(8);
    int num = 16;
    int availIdx;
    int usedSeen;

    VhostTestClient(Path socketPath) throws IOException {
        socket = UnixSocket.connect(socketPath);
        socket.receiveTimeout(5);
        memfd = LibC.memfd_create("guest", LibC.MFD_CLOEXEC);
        LibC.ftruncate(memfd, FILE_OFFSET + MEM_SIZE);
        map = LibC.mmap(Pointer.NULL, FILE_OFFSET + MEM_SIZE, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, memfd, 0);
        mem = map.getByteBuffer(FILE_OFFSET, MEM_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        kick = LibC.eventfd(0, LibC.EFD_CLOEXEC);
        int[] pair = new int[2];
        LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, pair);
        callOurs = pair[0];
        callTheirs = pair[1];
        eight.setLong(0, 1);
    }

    int at(long guest) {
        return (int) (guest - GUEST);
    }

    /** The last reply's flags. */
    int flags() {
        return msg.getInt(HDR_FLAGS);
    }

    /** The last reply's payload size. */
    int size() {
        return msg.getInt(HDR_SIZE);
    }

    int payloadInt(int offset) {
        return msg.getInt(HEADER_BYTES + offset);
    }

    // ---- messages

    void send(int request, int flags, int size, int... sendFds) throws IOException {
        msg.putInt(HDR_REQUEST, request);
        msg.putInt(HDR_FLAGS, flags);
        msg.putInt(HDR_SIZE, size);
        socket.send(wire, HEADER_BYTES + size, sendFds, sendFds.length);
    }

    /** Sends with the version flag and NEED_REPLY, as virtio_uml does once REPLY_ACK is negotiated; returns the ack. */
    long sendAcked(int request, int size, int... sendFds) throws IOException {
        send(request, VERSION | FLAG_NEED_REPLY, size, sendFds);
        return receive(request);
    }

    long u64(int request, long value) throws IOException {
        msg.putLong(HEADER_BYTES, value);
        return sendAcked(request, U64_BYTES);
    }

    long state(int request, int index, int number) throws IOException {
        msg.putInt(HEADER_BYTES + STATE_INDEX, index);
        msg.putInt(HEADER_BYTES + STATE_NUM, number);
        return sendAcked(request, STATE_BYTES);
    }

    long get(int request) throws IOException {
        send(request, VERSION, 0);
        return receive(request);
    }

    /** Reads a reply; returns its u64 (for replies of 8 bytes). Throws when the server hung up. */
    long receive(int request) throws IOException {
        read(0, HEADER_BYTES);
        int size = size();
        if (size < 0 || size > PAYLOAD_BYTES) {
            throw new IOException("reply of " + size + " bytes");
        }
        read(HEADER_BYTES, HEADER_BYTES + size);
        if (msg.getInt(HDR_REQUEST) != request) {
            throw new IOException("reply to " + msg.getInt(HDR_REQUEST) + ", expected " + request);
        }
        return size == U64_BYTES ? msg.getLong(HEADER_BYTES) : -1;
    }

    private void read(int from, int to) throws IOException {
        int at = from;
        while (at < to) {
            long got;
            try {
                got = socket.receive(wire, at, to - at, fds, 0);
            } catch (IOException e) {
                if (e.getMessage().contains("in the middle of a message")) {
                    throw new IllegalStateException("no reply within 5 s (the server neither answered nor hung up)");
                }
                throw e;
            }
            for (int i = 0; i < (int) (got >>> 32); i++) {
                LibC.closeQuietly(fds[i]);
            }
            if ((int) got == 0) {
                throw new IOException("the server closed the connection");
            }
            at += (int) got;
        }
    }

    /** The whole set-up virtio_uml sends, up to an enabled queue of num entries. */
    void setUp(int entries) throws IOException {
        num = entries;
        send(VHOST_USER_SET_OWNER, VERSION, 0);
        long features = get(VHOST_USER_GET_FEATURES);
        get(VHOST_USER_GET_PROTOCOL_FEATURES);
        u64(VHOST_USER_SET_PROTOCOL_FEATURES, bit(VHOST_USER_PROTOCOL_F_REPLY_ACK) | bit(VHOST_USER_PROTOCOL_F_CONFIG));
        check(u64(VHOST_USER_SET_FEATURES, features));
        check(memTable(GUEST, MEM_SIZE, GUEST, FILE_OFFSET));
        check(vringFd(VHOST_USER_SET_VRING_CALL, 0, callTheirs));
        check(state(VHOST_USER_SET_VRING_NUM, 0, num));
        check(state(VHOST_USER_SET_VRING_BASE, 0, 0));
        check(vringAddr(DESC, USED, AVAIL));
        check(vringFd(VHOST_USER_SET_VRING_KICK, 0, kick));
        check(state(VHOST_USER_SET_VRING_ENABLE, 0, 1));
    }

    static void check(long ack) throws IOException {
        if (ack != 0) {
            throw new IOException("ack " + ack);
        }
    }

    long memTable(long guest, long size, long user, long offset) throws IOException {
        msg.putInt(HEADER_BYTES + MEM_NREGIONS, 1);
        msg.putInt(HEADER_BYTES + MEM_PADDING, 0);
        msg.putLong(HEADER_BYTES + MEM_REGIONS + REGION_GUEST_ADDR, guest);
        msg.putLong(HEADER_BYTES + MEM_REGIONS + REGION_SIZE, size);
        msg.putLong(HEADER_BYTES + MEM_REGIONS + REGION_USER_ADDR, user);
        msg.putLong(HEADER_BYTES + MEM_REGIONS + REGION_MMAP_OFFSET, offset);
        return sendAcked(VHOST_USER_SET_MEM_TABLE, MEM_REGIONS + 2 * REGION_BYTES, memfd);
    }

    long vringFd(int request, int index, int fd) throws IOException {
        msg.putLong(HEADER_BYTES, index);
        return sendAcked(request, U64_BYTES, fd);
    }

    long vringAddr(long desc, long used, long avail) throws IOException {
        msg.putInt(HEADER_BYTES + ADDR_INDEX, 0);
        msg.putInt(HEADER_BYTES + ADDR_FLAGS, 0);
        msg.putLong(HEADER_BYTES + ADDR_DESC, desc);
        msg.putLong(HEADER_BYTES + ADDR_USED, used);
        msg.putLong(HEADER_BYTES + ADDR_AVAIL, avail);
        msg.putLong(HEADER_BYTES + ADDR_LOG, -1);
        return sendAcked(VHOST_USER_SET_VRING_ADDR, ADDR_BYTES);
    }

    /** GET_CONFIG of size bytes from offset 0; the answer in the message's payload. */
    ByteBuffer config(int size) throws IOException {
        msg.putInt(HEADER_BYTES + CONFIG_OFFSET, 0);
        msg.putInt(HEADER_BYTES + CONFIG_SIZE, size);
        msg.putInt(HEADER_BYTES + CONFIG_FLAGS, 0);
        send(VHOST_USER_GET_CONFIG, VERSION, CONFIG_PAYLOAD + size);
        receive(VHOST_USER_GET_CONFIG);
        return msg.duplicate().position(HEADER_BYTES + CONFIG_PAYLOAD).limit(HEADER_BYTES + CONFIG_PAYLOAD + size).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    // ---- rings

    void desc(int i, long addr, int len, int flags, int next) {
        int at = at(DESC) + i * DESC_BYTES;
        mem.putLong(at + DESC_ADDR, addr);
        mem.putInt(at + DESC_LEN, len);
        mem.putShort(at + DESC_FLAGS, (short) flags);
        mem.putShort(at + DESC_NEXT, (short) next);
    }

    long header(int head) {
        return HEADERS + 64L * head;
    }

    long status(int head) {
        return header(head) + 32;
    }

    /**
     * A request at descriptor head: header, data buffers (addresses and lengths, device-writable
     * when in), status; descriptors head, head+1, ... Returns nothing; call {@link #offer} after.
     */
    void request(int head, int type, long sector, boolean in, long[] addrs, int[] lens) {
        int h = at(header(head));
        mem.putInt(h + OUTHDR_TYPE, type);
        mem.putInt(h + OUTHDR_IOPRIO, 0);
        mem.putLong(h + OUTHDR_SECTOR, sector);
        mem.put(at(status(head)), (byte) 0x7f);
        int d = head;
        desc(d, header(head), OUTHDR_BYTES, VIRTQ_DESC_F_NEXT, d + 1);
        for (int i = 0; i < addrs.length; i++) {
            d++;
            desc(d, addrs[i], lens[i], VIRTQ_DESC_F_NEXT | (in ? VIRTQ_DESC_F_WRITE : 0), d + 1);
        }
        d++;
        desc(d, status(head), 1, VIRTQ_DESC_F_WRITE, 0);
    }

    /** Makes head available and kicks. */
    void offer(int head) {
        publish(head);
        kick();
    }

    /** Makes head available without a kick, as a guest does while the device asks for none. */
    void publish(int head) {
        mem.putShort(at(AVAIL) + AVAIL_RING + AVAIL_ENTRY_BYTES * (availIdx % num), (short) head);
        availIdx = (availIdx + 1) & 0xffff;
        java.lang.invoke.VarHandle.releaseFence();
        mem.putShort(at(AVAIL) + AVAIL_IDX, (short) availIdx);
    }

    /** The used ring's flags, as the guest reads them before it decides to kick. */
    int usedFlags() {
        java.lang.invoke.VarHandle.fullFence();
        return Short.toUnsignedInt(mem.getShort(at(USED) + USED_FLAGS));
    }

    void kick() {
        LibC.write(kick, eight, 8);
    }

    int usedIdx() {
        java.lang.invoke.VarHandle.acquireFence();
        return Short.toUnsignedInt(mem.getShort(at(USED) + USED_IDX));
    }

    /** Waits (up to millis) for the used index to reach want, taking interrupts; false on timeout. */
    boolean awaitUsed(int want, long millis) {
        long end = System.currentTimeMillis() + millis;
        Memory buf = new Memory(64);
        LibC.fcntl(callOurs, LibC.F_SETFL, LibC.O_NONBLOCK);
        while (usedIdx() != (want & 0xffff)) {
            if (System.currentTimeMillis() > end) {
                return false;
            }
            try {
                LibC.read(callOurs, buf, 64);
            } catch (LastErrorException e) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    /** Used entry i: {id, len}. */
    int[] used(int i) {
        int at = at(USED) + USED_RING + USED_ELEM_BYTES * (i % num);
        return new int[] {mem.getInt(at + USED_ELEM_ID), mem.getInt(at + USED_ELEM_LEN)};
    }

    byte statusOf(int head) {
        return mem.get(at(status(head)));
    }

    /** Runs one request to completion; returns its status byte, or -1 when it never completed. */
    int run(int head, int type, long sector, boolean in, long[] addrs, int[] lens) {
        request(head, type, sector, in, addrs, lens);
        offer(head);
        usedSeen++;
        return awaitUsed(usedSeen, 5000) ? statusOf(head) : -1;
    }

    @Override
    public void close() {
        socket.close();
        LibC.munmap(map, FILE_OFFSET + MEM_SIZE);
        LibC.closeQuietly(memfd);
        LibC.closeQuietly(kick);
        LibC.closeQuietly(callOurs);
        LibC.closeQuietly(callTheirs);
    }
}
