package org.ubdjava.core.nativeio;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Native operations on the descriptor behind a {@link FileChannel}. Working on the channel's own
 * descriptor matters: POSIX record locks belong to the process and file, and closing any second
 * descriptor of the same file would silently drop the lock the channel holds.
 *
 * <p>Needs {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED}
 * (bin/ubd, the jar manifest and the test runner all pass it).
 */
public final class NativeFiles {
    private static final MethodHandle CHANNEL_FD;
    private static final MethodHandle DESCRIPTOR_INT;
    private static final long PAGE = LibC.getpagesize();

    static {
        try {
            Class<?> impl = Class.forName("sun.nio.ch.FileChannelImpl");
            var lookup = MethodHandles.lookup();
            CHANNEL_FD = MethodHandles.privateLookupIn(impl, lookup).findGetter(impl, "fd", FileDescriptor.class);
            DESCRIPTOR_INT = MethodHandles.privateLookupIn(FileDescriptor.class, lookup)
                    .findGetter(FileDescriptor.class, "fd", int.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException(
                    "cannot reach file descriptors: run with --add-opens java.base/sun.nio.ch=ALL-UNNAMED "
                            + "--add-opens java.base/java.io=ALL-UNNAMED", e));
        }
    }

    private NativeFiles() {
    }

    public static int descriptor(FileChannel channel) {
        try {
            FileDescriptor fd = (FileDescriptor) CHANNEL_FD.invoke(channel);
            return (int) DESCRIPTOR_INT.invoke(fd);
        } catch (Throwable t) {
            throw new IllegalStateException("cannot read the descriptor of " + channel, t);
        }
    }

    /**
     * The first offset at or after {@code from} that holds data, or -1 when only a hole follows.
     * File systems without SEEK_DATA report the whole file as data, which is correct, only slower.
     */
    public static long nextData(FileChannel channel, long from) throws IOException {
        return seek(channel, from, LibC.SEEK_DATA);
    }

    /** The first offset at or after {@code from} that starts a hole (the file's end counts as one). */
    public static long nextHole(FileChannel channel, long from) throws IOException {
        long hole = seek(channel, from, LibC.SEEK_HOLE);
        return hole < 0 ? channel.size() : hole;
    }

    private static long seek(FileChannel channel, long from, int whence) throws IOException {
        try {
            return LibC.lseek(descriptor(channel), from, whence);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == LibC.ENXIO) {
                return -1;
            }
            throw new IOException("lseek(" + (whence == LibC.SEEK_DATA ? "SEEK_DATA" : "SEEK_HOLE") + ") failed: errno " + e.getErrorCode());
        }
    }

    /**
     * Tells the kernel that {@code mapped} is touched at random: a fault reads in the one page it
     * needs. Without it a fault on a page the cache lacks reads around it as far as the device's
     * read-ahead reaches (8 MiB on these machines' disk): one store into a fresh COW file's bitmap
     * filled 8 MiB of its data area with zeros in the page cache, and every later write there went
     * over a cached page, slower than into an unwritten block. Advice only: a kernel that refuses
     * it leaves the mapping as it was.
     */
    public static void adviseRandom(MappedByteBuffer mapped) {
        if (mapped == null || mapped.capacity() == 0) {
            return;
        }
        long address = Pointer.nativeValue(Native.getDirectBufferPointer(mapped));
        long start = address & -PAGE; // the JDK maps from the page the buffer's first byte is on
        try {
            LibC.madvise(new Pointer(start), address - start + mapped.capacity(), LibC.MADV_RANDOM);
        } catch (LastErrorException ignored) {
            // advice: the mapping works the same without it
        }
    }

    /** Bytes the file really occupies on disk (st_blocks × 512), what {@code du} reports. */
    public static long allocatedBytes(FileChannel channel) throws IOException {
        byte[] st = new byte[LibC.STAT_STRUCT_SIZE];
        try {
            LibC.fstat(descriptor(channel), st);
        } catch (LastErrorException e) {
            throw new IOException("fstat failed: errno " + e.getErrorCode());
        }
        return ByteBuffer.wrap(st).order(ByteOrder.nativeOrder()).getLong(LibC.STAT_ST_BLOCKS) * 512L;
    }

    /** Deallocates a range, keeping the size: it reads back as zeros. */
    public static void punchHole(FileChannel channel, long offset, long length) throws IOException {
        fallocate(channel, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, offset, length);
    }

    /** Makes a range read as zeros without changing the size. */
    public static void zeroRange(FileChannel channel, long offset, long length) throws IOException {
        fallocate(channel, LibC.FALLOC_FL_ZERO_RANGE | LibC.FALLOC_FL_KEEP_SIZE, offset, length);
    }

    /**
     * Allocates the blocks of a range (fallocate mode 0): what was a hole reads as zeros still, but
     * a later write there no longer allocates, and cannot fail for want of space. A full file system
     * is an IOException saying "No space left on device", as a failed write's would.
     */
    public static void allocate(FileChannel channel, long offset, long length) throws IOException {
        fallocate(channel, 0, offset, length);
    }

    private static void fallocate(FileChannel channel, int mode, long offset, long length) throws IOException {
        try {
            LibC.fallocate(descriptor(channel), mode, offset, length);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            if (errno == LibC.EOPNOTSUPP || errno == LibC.ENOSYS) {
                throw new NotSupportedException("fallocate mode " + mode + " not supported by this file system");
            }
            if (errno == LibC.ENOSPC) {
                throw new IOException("No space left on device");
            }
            throw new IOException("fallocate failed: errno " + errno);
        }
    }

    /**
     * Starts writeback of the range's dirty pages and returns without waiting for it, so the disk
     * works while the caller goes on; the caller's fdatasync still makes them durable (and carries
     * the metadata). A hint: a file system that refuses it (EINVAL, ENOSYS) is left to fdatasync.
     */
    public static void startWriteback(FileChannel channel, long offset, long length) {
        try {
            LibC.sync_file_range(descriptor(channel), offset, length, LibC.SYNC_FILE_RANGE_WRITE);
        } catch (LastErrorException e) {
            // advice: the sync that follows does the work
        }
    }

    /** Hints that the range will be read sequentially (merges); failures are ignored: it is advice. */
    public static void adviseSequential(FileChannel channel) {
        LibC.posix_fadvise(descriptor(channel), 0, 0, LibC.POSIX_FADV_SEQUENTIAL);
    }
}
