package org.ubdjava.export.vhost;

import static org.ubdjava.export.vhost.VhostUserMessage.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import org.ubdjava.core.nativeio.LibC;

/**
 * The guest's memory as SET_MEM_TABLE describes it: up to 8 regions, each a window of a file the
 * front-end passed by descriptor, mapped shared here. Every address the guest gives (rings,
 * buffers) is checked against the table before it is touched: an address outside it is the
 * front-end's error, never a crash of this process.
 *
 * <p>A region is at most 2 GiB (one ByteBuffer); UML guests have one or two.
 */
final class GuestMemory implements AutoCloseable {
    static final GuestMemory EMPTY = new GuestMemory(new Region[0]);

    record Region(long guestAddr, long size, long userAddr, Pointer mapping, long mappedLength, ByteBuffer view) {
        boolean holdsGuest(long addr, long len) {
            return addr - guestAddr >= 0 && addr - guestAddr < size && len <= size - (addr - guestAddr);
        }

        boolean holdsUser(long addr, long len) {
            return addr - userAddr >= 0 && addr - userAddr < size && len <= size - (addr - userAddr);
        }
    }

    private final Region[] regions;

    private GuestMemory(Region[] regions) {
        this.regions = regions;
    }

    /**
     * Maps the table in the message's payload with the descriptors that came with it. Takes
     * ownership of the descriptors: all are closed when this returns (a mapping needs none).
     */
    static GuestMemory map(VhostUserMessage m, int[] fds, int fdCount) throws VhostProtocolException {
        try {
            if (m.size() < MEM_REGIONS) {
                throw new VhostProtocolException("SET_MEM_TABLE of " + m.size() + " bytes, shorter than its region count");
            }
            int n = m.payloadInt(MEM_NREGIONS);
            if (n < 1 || n > MEM_MAX_REGIONS || m.size() < MEM_REGIONS + n * REGION_BYTES) {
                throw new VhostProtocolException("SET_MEM_TABLE with " + Integer.toUnsignedString(n) + " regions in "
                        + m.size() + " bytes");
            }
            if (fdCount != n) {
                throw new VhostProtocolException("SET_MEM_TABLE with " + n + " regions came with " + fdCount + " descriptors");
            }
            Region[] r = new Region[n];
            try {
                for (int i = 0; i < n; i++) {
                    int at = MEM_REGIONS + i * REGION_BYTES;
                    r[i] = mapRegion(i, m.payloadLong(at + REGION_GUEST_ADDR), m.payloadLong(at + REGION_SIZE),
                            m.payloadLong(at + REGION_USER_ADDR), m.payloadLong(at + REGION_MMAP_OFFSET), fds[i]);
                }
            } catch (VhostProtocolException | RuntimeException e) {
                new GuestMemory(r).close();
                throw e;
            }
            return new GuestMemory(r);
        } finally {
            for (int i = 0; i < fdCount; i++) {
                LibC.closeQuietly(fds[i]);
            }
        }
    }

    private static Region mapRegion(int i, long guest, long size, long user, long offset, int fd) throws VhostProtocolException {
        if (size <= 0 || size > Integer.MAX_VALUE || offset < 0 || offset > Long.MAX_VALUE - size
                || guest + size - 1 < guest || user + size - 1 < user) {
            throw new VhostProtocolException("memory region " + i + " of " + Long.toUnsignedString(size) + " bytes at file offset "
                    + Long.toUnsignedString(offset) + " (regions of 1 byte to 2 GiB, within the address space)");
        }
        long fileLength;
        try {
            fileLength = LibC.lseek(fd, 0, LibC.SEEK_END);
        } catch (LastErrorException e) {
            throw new VhostProtocolException("memory region " + i + ": its descriptor cannot be mapped: " + LibC.describe(e));
        }
        // touching a mapping beyond the end of its file would kill this process with SIGBUS
        if (fileLength < offset + size) {
            throw new VhostProtocolException("memory region " + i + " ends at " + (offset + size) + " in a file of " + fileLength + " bytes");
        }
        Pointer p;
        try {
            p = LibC.mmap(Pointer.NULL, offset + size, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        } catch (LastErrorException e) {
            throw new VhostProtocolException("memory region " + i + " cannot be mapped: " + LibC.describe(e));
        }
        ByteBuffer view = p.getByteBuffer(offset, size).order(ByteOrder.LITTLE_ENDIAN);
        return new Region(guest, size, user, p, offset + size, view);
    }

    int regionCount() {
        return regions.length;
    }

    /** The region holding [addr, addr + len) of guest-physical addresses (descriptors), or -1. */
    int regionOfGuest(long addr, long len) {
        for (int i = 0; i < regions.length; i++) {
            if (regions[i].holdsGuest(addr, len)) {
                return i;
            }
        }
        return -1;
    }

    /** The whole region, little-endian; callers use absolute access or their own duplicates. */
    ByteBuffer view(int region) {
        return regions[region].view();
    }

    int offsetOfGuest(int region, long addr) {
        return (int) (addr - regions[region].guestAddr());
    }

    /** A ring structure at a front-end (user) address, as its own buffer; null when outside the table. */
    ByteBuffer userSlice(long addr, long len) {
        for (Region r : regions) {
            if (r.holdsUser(addr, len)) {
                int at = (int) (addr - r.userAddr());
                return r.view().duplicate().position(at).limit(at + (int) len).slice().order(ByteOrder.LITTLE_ENDIAN);
            }
        }
        return null;
    }

    @Override
    public void close() {
        for (Region r : regions) {
            if (r != null) {
                try {
                    LibC.munmap(r.mapping(), r.mappedLength());
                } catch (LastErrorException ignored) {
                    // EINVAL only, for a mapping we made ourselves: nothing to undo
                }
            }
        }
    }
}
