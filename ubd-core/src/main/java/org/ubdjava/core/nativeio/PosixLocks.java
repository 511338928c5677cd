package org.ubdjava.core.nativeio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

import com.sun.jna.LastErrorException;

/**
 * Whole-file POSIX record locks, exactly as the kernel's ubd driver takes them: {@code F_SETLK}
 * from 0 with length 0 (to the end and beyond), write-locked when the file is open for writing,
 * read-locked otherwise. They conflict with a real UML in another process, and, like the kernel's,
 * belong to the process: they never conflict within it, and closing any descriptor of the file
 * drops them (callers keep one descriptor per file for that reason).
 *
 * <p>Not {@link FileChannel#tryLock}: the JVM refuses a second lock on a file it already locked,
 * which would stop many devices in one process from sharing a read-locked backing file.
 */
public final class PosixLocks {
    private PosixLocks() {
    }

    /** @return 0 when locked, else the errno (EAGAIN or EACCES when another process holds a conflicting lock) */
    public static int tryLock(FileChannel channel, boolean write) {
        try {
            LibC.fcntl(NativeFiles.descriptor(channel), LibC.F_SETLK, flock(write ? LibC.F_WRLCK : LibC.F_RDLCK));
            return 0;
        } catch (LastErrorException e) {
            return e.getErrorCode();
        }
    }

    public static void unlock(FileChannel channel) {
        try {
            LibC.fcntl(NativeFiles.descriptor(channel), LibC.F_SETLK, flock(LibC.F_UNLCK));
        } catch (LastErrorException ignored) {
            // closing the descriptor drops it anyway
        }
    }

    /** The pid of a process holding a lock that conflicts with the one asked for, or -1 when none does. */
    public static int conflictingOwner(FileChannel channel, boolean write) {
        return conflictingOwner(NativeFiles.descriptor(channel), write);
    }

    /** The same for a raw descriptor. */
    static int conflictingOwner(int fd, boolean write) {
        byte[] fl = flock(write ? LibC.F_WRLCK : LibC.F_RDLCK);
        try {
            LibC.fcntl(fd, LibC.F_GETLK, fl);
        } catch (LastErrorException e) {
            return -1;
        }
        ByteBuffer b = ByteBuffer.wrap(fl).order(ByteOrder.nativeOrder());
        return b.getShort(LibC.FLOCK_TYPE) == LibC.F_UNLCK ? -1 : b.getInt(LibC.FLOCK_PID);
    }

    private static byte[] flock(short type) {
        ByteBuffer b = ByteBuffer.allocate(LibC.FLOCK_SIZE).order(ByteOrder.nativeOrder());
        b.putShort(LibC.FLOCK_TYPE, type);
        b.putShort(LibC.FLOCK_WHENCE, (short) 0);
        b.putLong(LibC.FLOCK_START, 0);
        b.putLong(LibC.FLOCK_LEN, 0);
        return b.array();
    }
}
