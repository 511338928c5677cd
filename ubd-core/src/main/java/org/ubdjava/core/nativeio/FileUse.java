package org.ubdjava.core.nativeio;

import java.nio.file.Path;
import java.util.Optional;

import com.sun.jna.LastErrorException;

import org.ubdjava.core.UbdException;

/**
 * Whether another process uses a file, asked before a tool replaces it by rename: a running UML or
 * {@code ubd serve} goes on writing to the replaced inode, and what it acknowledged is gone when
 * it stops. A POSIX lock names its holder (F_GETLK gives the pid); a user of the 'c' flag or any
 * other program holds no lock, so a write lease is tried too: Linux grants one (F_SETLEASE
 * F_WRLCK) only when no other descriptor of the file is open anywhere, and it is released at once.
 *
 * <p>Where leases are refused for reasons other than another open (EINVAL: leases disabled or not
 * supported by the file system, as on some network and FUSE ones; ENOLCK; EACCES: the caller owns
 * neither the file nor CAP_LEASE), only the lock is asked: a writer without a lock then goes
 * unnoticed there. Both answers are of the moment: a process may open the file just after.
 */
public final class FileUse {
    private FileUse() {
    }

    /**
     * Why {@code file} must not be replaced now, e.g. "locked by pid 1234 (a running UML or ubd
     * serve?)"; empty when no other process holds it, or when it does not exist. Call it only for a
     * regular file: the probe opens the file (non-blocking, read-only), which a device may notice.
     */
    public static Optional<String> holder(Path file) {
        int fd;
        try {
            fd = LibC.open(file.toString(), LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_NOCTTY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            return Optional.empty(); // missing or unreadable: the replace itself reports what matters
        }
        try {
            int pid = PosixLocks.conflictingOwner(fd, true); // a write lock conflicts with any lock
            if (pid > 0) {
                return Optional.of("locked by pid " + pid + " (a running UML or ubd serve?)");
            }
            return openElsewhere(fd) ? Optional.of("open in another process (a running UML or ubd serve?)") : Optional.empty();
        } finally {
            try {
                LibC.close(fd);
            } catch (LastErrorException ignored) {
                // read-only and unchanged: nothing a failed close could lose
            }
        }
    }

    /** Refuses to replace a file another process holds: "FILE: locked by pid N (...); not replacing it". */
    public static void refuseReplacingHeld(Path file) {
        holder(file).ifPresent(why -> {
            throw new UbdException(file + ": " + why + "; not replacing it");
        });
    }

    /** True when a write lease is refused with EAGAIN: some other descriptor of the file is open. */
    private static boolean openElsewhere(int fd) {
        try {
            // a lease break while we hold it signals SIGIO by default, whose default action ends the
            // process: SIGURG instead, which is ignored (the opener waits until we let go, at once)
            LibC.fcntl(fd, LibC.F_SETSIG, LibC.SIGURG);
            LibC.fcntl(fd, LibC.F_SETLEASE, LibC.F_WRLCK);
        } catch (LastErrorException e) {
            // EAGAIN: open elsewhere. EINVAL, ENOLCK, EACCES: leases unavailable here; the lock check stands alone
            return e.getErrorCode() == LibC.EAGAIN;
        }
        try {
            LibC.fcntl(fd, LibC.F_SETLEASE, LibC.F_UNLCK);
        } catch (LastErrorException ignored) {
            // the close that follows removes the lease anyway
        }
        return false;
    }
}
