package org.ubdjava.export.vhost;

import static org.ubdjava.core.Sectors.SECTOR;

import static org.ubdjava.export.vhost.SplitRing.*;
import static org.ubdjava.export.vhost.VirtioBlkRequest.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.ubdjava.driver.device.IoStatus;
import org.ubdjava.driver.queue.DirectPath;
import org.ubdjava.driver.queue.Disk;
import org.ubdjava.driver.queue.IoOp;
import org.ubdjava.driver.queue.UbdDriver;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import org.ubdjava.core.nativeio.LibC;

/**
 * One started virtio-blk queue: takes the requests the guest makes available, runs each on the
 * disk's {@link DirectPath} with buffers that are guest memory itself (no copy), returns each to
 * the used ring with its status, then interrupts the guest once for what it returned.
 *
 * <p>Threads: one, the device's. It reads the ring, runs the request and fills the used ring, as
 * QEMU's iothread runs the virtqueue handler and the block request in one event loop, and as the
 * kernel's ubd has one I/O thread: a guest's request crosses one hand-off (the guest's kick, or
 * none while the thread {@link #watch watches} the ring), not two. A call that blocks (a flush)
 * blocks this device only, as a held disk waits behind its offloaded call on the rings.
 *
 * <p>Checked before anything is touched: every descriptor lies inside the memory table, chains
 * end within the table's size (no loops), the header is readable and the status writable, data
 * buffers face the right way. A violation is a {@link VhostProtocolException}: the connection
 * ends, requests already run stay done, nothing of the disk is written from it.
 */
final class BlkQueue {
    /**
     * The request being run: what its completion needs, and the views it lends the device. One
     * serves every request: each is done before the next is taken.
     */
    private static final class Slot {
        byte status;
        int head;
        int usedLen;
        int statusRegion;
        int statusOffset;
        ByteBuffer[] views;
        int[] viewRegions;
    }

    private final ServedDisk served;
    private final Disk disk;
    private final GuestMemory memory;
    private final SplitRing ring;
    private final int callFd;
    private final byte[] serial;
    private final Slot slot = new Slot();
    private final Memory one = new Memory(8);
    private final DirectPath direct;
    // the chain being read (device thread only)
    private final long[] addr;
    private final long[] len;
    private final boolean[] writable;
    private final int[] region;
    private final int[] offset;
    private int lastAvail;
    /** When {@link #process} last found a request (System.nanoTime). */
    private long lastTaken;
    private int usedIdx;
    /** Used entries published since the guest was last interrupted. */
    private boolean returned;
    private boolean callFailed;

    /**
     * Takes the disk's requests onto this thread ({@link UbdDriver#direct}) until {@link #close}.
     *
     * @param callFd the descriptor that interrupts the guest, or -1 when it polls
     */
    BlkQueue(ServedDisk served, GuestMemory memory, SplitRing ring, int base, int callFd) {
        this.served = served;
        this.disk = served.disk();
        this.direct = served.driver().direct(disk);
        this.memory = memory;
        this.ring = ring;
        this.callFd = callFd;
        String s = disk.config().serial();
        this.serial = s == null ? null : s.getBytes(StandardCharsets.UTF_8);
        int num = ring.num();
        addr = new long[num];
        len = new long[num];
        writable = new boolean[num];
        region = new int[num];
        offset = new int[num];
        one.setLong(0, 1);
        lastAvail = base & 0xffff;
        usedIdx = ring.usedIdx();
        ring.suppressKicks(false); // a queue restarted after a watch: the guest must kick again
    }

    /** The next available index to take: what GET_VRING_BASE reports. */
    int lastAvail() {
        return lastAvail;
    }

    /** Takes every request the guest has made available. */
    void process() throws VhostProtocolException {
        int avail;
        while ((avail = ring.availIdx()) != lastAvail) {
            lastTaken = System.nanoTime();
            int ahead = (avail - lastAvail) & 0xffff;
            if (ahead > ring.num()) {
                throw new VhostProtocolException("the available index ran " + ahead + " entries ahead in a " + ring.num() + "-entry ring");
            }
            while (lastAvail != avail) {
                int head = ring.availHead(lastAvail);
                lastAvail = (lastAvail + 1) & 0xffff;
                start(head);
            }
        }
        interruptOnce();
    }

    /** What {@link #watch} left: nothing to do until a kick. */
    static final int IDLE = 0;
    /** What {@link #watch} left: requests are waiting, or the window is not over; look at the descriptors, then watch again. */
    static final int WATCHING = 1;

    /**
     * Watches the ring for the guest's next requests, with the guest's kicks switched off
     * meanwhile (VRING_USED_F_NO_NOTIFY), until {@code pollNanos} have passed since the last
     * request taken: a request taken while watching costs the guest no kick and this thread no
     * wake-up, about 25 us each on these machines (QEMU's IOThread polls its virtqueues for
     * poll-max-ns alike). Returns after {@code budgetNanos} at most, kicks still off, so that the
     * device's socket and stop descriptor get their turn. When the window is over, switches the
     * kicks back on and looks once more: the guest may have skipped its kick just before.
     *
     * @return {@link #IDLE} or {@link #WATCHING}
     */
    int watch(long pollNanos, long budgetNanos) throws VhostProtocolException {
        if (pollNanos <= 0) {
            return IDLE;
        }
        ring.suppressKicks(true);
        long start = System.nanoTime();
        while (true) {
            long now;
            if (ring.availIdx() != lastAvail) {
                process();
                now = lastTaken;
            } else {
                now = System.nanoTime();
                if (now - lastTaken >= pollNanos) {
                    break;
                }
                Thread.onSpinWait();
            }
            if (now - start >= budgetNanos) {
                return WATCHING;
            }
        }
        ring.suppressKicks(false); // with a full fence: the guest sees it before we look again
        return ring.availIdx() != lastAvail ? WATCHING : IDLE;
    }

    /** Reads the chain at head into the scratch arrays, checking it; returns its length. */
    private int readChain(int head) throws VhostProtocolException {
        int num = ring.num();
        int i = head;
        int n = 0;
        while (true) {
            if (n == num) {
                throw new VhostProtocolException("the descriptor chain at " + head + " is longer than the " + num + "-entry table (a loop)");
            }
            int flags = ring.descFlags(i);
            if ((flags & DESC_F_INDIRECT) != 0) {
                throw new VhostProtocolException("descriptor " + i + " is indirect, a feature never offered");
            }
            long a = ring.descAddr(i);
            long l = ring.descLen(i);
            int r = memory.regionOfGuest(a, l);
            if (r < 0) {
                throw new VhostProtocolException("descriptor " + i + ": " + l + " bytes at 0x" + Long.toHexString(a)
                        + " lie outside the memory table");
            }
            addr[n] = a;
            len[n] = l;
            writable[n] = (flags & DESC_F_WRITE) != 0;
            region[n] = r;
            offset[n] = memory.offsetOfGuest(r, a);
            n++;
            if ((flags & DESC_F_NEXT) == 0) {
                return n;
            }
            i = ring.descNext(i);
            if (i >= num) {
                throw new VhostProtocolException("descriptor chain at " + head + " continues at " + i + ", beyond the " + num + "-entry table");
            }
        }
    }

    private void start(int head) throws VhostProtocolException {
        if (head >= ring.num()) {
            throw new VhostProtocolException("available entry names descriptor " + head + " of a " + ring.num() + "-entry table");
        }
        Slot s = slot;
        int n = readChain(head);
        if (n < 2) {
            throw new VhostProtocolException("a request of " + n + " descriptor at " + head + ": it needs a header and a status");
        }
        if (writable[0] || len[0] < HEADER_BYTES) {
            throw new VhostProtocolException("request at " + head + ": the header needs a device-readable descriptor of "
                    + HEADER_BYTES + " bytes, got " + len[0] + (writable[0] ? " device-writable" : "") + " bytes");
        }
        int last = n - 1;
        if (!writable[last] || len[last] < 1) {
            throw new VhostProtocolException("request at " + head + ": its last descriptor (the status) is not a device-writable byte");
        }
        ByteBuffer h = memory.view(region[0]);
        int type = h.getInt(offset[0] + HEADER_TYPE);
        long sector = h.getLong(offset[0] + HEADER_SECTOR);
        s.head = head;
        s.status = S_OK;
        s.usedLen = 1;
        s.statusRegion = region[last];
        s.statusOffset = offset[last] + (int) len[last] - 1;
        switch (type) {
            case T_IN, T_OUT -> readWrite(s, type == T_IN, sector, n);
            case T_FLUSH -> {
                served.record(IoOp.FLUSH, 0, 0);
                run(s, IoOp.FLUSH, 0, null, 0);
                complete(s);
            }
            case T_GET_ID -> getId(s, n);
            case T_DISCARD, T_WRITE_ZEROES -> ranges(s, type == T_DISCARD ? IoOp.DISCARD : IoOp.WRITE_ZEROES, n);
            default -> finish(s, S_UNSUPP);
        }
    }

    private void readWrite(Slot s, boolean in, long sector, int n) throws VhostProtocolException {
        long total = 0;
        boolean whole = true;
        int parts = 0;
        for (int i = 1; i < n - 1; i++) {
            if (writable[i] != in) {
                throw new VhostProtocolException((in ? "IN" : "OUT") + " request at " + s.head + ": data descriptor " + i + " is device-"
                        + (writable[i] ? "writable" : "readable"));
            }
            total += len[i];
            whole &= len[i] % SECTOR == 0;
            parts += len[i] == 0 ? 0 : 1;
        }
        long size = disk.size();
        if (!whole || sector < 0 || sector > size / SECTOR || total > size - sector * SECTOR
                || (!in && disk.readOnly())) {
            finish(s, S_IOERR); // the guest's mistake, answered as the kernel's ubd would: an I/O error
            return;
        }
        if (in) {
            s.usedLen = (int) total + 1;
        }
        if (parts == 0) {
            finish(s, S_OK);
            return;
        }
        long at = sector * SECTOR;
        served.record(in ? IoOp.READ : IoOp.WRITE, at, total);
        int part = 0;
        for (int i = 1; i < n - 1; i++) {
            if (len[i] == 0) {
                continue;
            }
            ByteBuffer v = view(s, part++, region[i]);
            v.clear().position(offset[i]).limit(offset[i] + (int) len[i]);
            run(s, in ? IoOp.READ : IoOp.WRITE, at, v, 0);
            at += len[i];
        }
        complete(s);
    }

    private ByteBuffer view(Slot s, int part, int r) {
        if (s.views == null) {
            s.views = new ByteBuffer[ring.num()];
            s.viewRegions = new int[ring.num()];
        }
        ByteBuffer v = s.views[part];
        if (v == null || s.viewRegions[part] != r) {
            v = memory.view(r).duplicate();
            s.views[part] = v;
            s.viewRegions[part] = r;
        }
        return v;
    }

    private void getId(Slot s, int n) throws VhostProtocolException {
        if (n != 3 || !writable[1]) {
            throw new VhostProtocolException("GET_ID request at " + s.head + " without one device-writable buffer");
        }
        if (serial == null) {
            finish(s, S_UNSUPP);
            return;
        }
        int w = (int) Math.min(len[1], ID_BYTES);
        ByteBuffer b = memory.view(region[1]);
        for (int i = 0; i < w; i++) {
            b.put(offset[1] + i, i < serial.length ? serial[i] : 0);
        }
        s.usedLen = w + 1;
        finish(s, S_OK);
    }

    private void ranges(Slot s, IoOp op, int n) throws VhostProtocolException {
        int count = 0;
        for (int i = 1; i < n - 1; i++) {
            if (writable[i] || len[i] % RANGE_BYTES != 0) {
                throw new VhostProtocolException(op + " request at " + s.head + ": data descriptor " + i + " is not readable ranges of "
                        + RANGE_BYTES + " bytes");
            }
            count += (int) (len[i] / RANGE_BYTES);
        }
        if (count == 0) {
            finish(s, S_IOERR);
            return;
        }
        long size = disk.size();
        for (int i = 1; i < n - 1; i++) {
            ByteBuffer b = memory.view(region[i]);
            for (int at = offset[i]; at < offset[i] + len[i]; at += RANGE_BYTES) {
                long sector = b.getLong(at + RANGE_SECTOR);
                long sectors = Integer.toUnsignedLong(b.getInt(at + RANGE_NUM_SECTORS));
                if (sector < 0 || sector > size / SECTOR) {
                    s.status = S_IOERR;
                    continue;
                }
                served.record(op, sector * SECTOR, sectors * SECTOR);
                run(s, op, sector * SECTOR, null, sectors * SECTOR);
            }
        }
        complete(s);
    }

    /** Runs one part of the request; a part that fails leaves its status on the whole request. */
    private void run(Slot s, IoOp op, long at, ByteBuffer buffer, long length) {
        IoStatus status = direct.run(op, 0, at, buffer, length);
        if (status != IoStatus.OK) {
            // virtio-blk has no status of its own for READ_ONLY (nor NOSPC): an I/O error, as the kernel's ubd answers
            s.status = status == IoStatus.NOTSUPP ? S_UNSUPP : S_IOERR;
        }
    }

    private void finish(Slot s, byte status) {
        s.status = status;
        complete(s);
    }

    private void complete(Slot s) {
        memory.view(s.statusRegion).put(s.statusOffset, s.status);
        ring.putUsed(usedIdx, s.head, s.usedLen);
        usedIdx = (usedIdx + 1) & 0xffff;
        ring.publishUsed(usedIdx);
        returned = true;
    }

    /** One interrupt for every request returned since the last, if the guest wants one. */
    private void interruptOnce() {
        if (returned) {
            returned = false;
            if (callFd >= 0 && ring.interruptWanted()) {
                interrupt();
            }
        }
    }

    private void interrupt() {
        try {
            LibC.write(callFd, one, 8);
        } catch (LastErrorException e) {
            // EAGAIN: the guest has unread interrupts already, one more adds nothing
            if (e.getErrorCode() != LibC.EAGAIN && !callFailed) {
                callFailed = true;
                served.say("cannot interrupt the guest: " + LibC.describe(e));
            }
        }
    }

    /** Gives the disk back to the driver's rings: every request taken has completed, all ran on this thread. */
    void close() {
        ring.suppressKicks(false);
        direct.close();
    }
}
