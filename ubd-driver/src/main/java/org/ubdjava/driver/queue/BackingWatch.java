package org.ubdjava.driver.queue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.ubdjava.core.device.KernelLog;

/**
 * Notices a backing file changing under a running device. Every COW file over it assumes its
 * content is frozen (the header's size and mtime say which content): a change makes the guest read
 * new data in sectors it never wrote, and the kernel only notices at the next boot (mtime mismatch).
 *
 * <p>What is compared: device, inode, size and mtime (to the nanosecond), as one stat of the
 * path, taken when the disk is attached. So a file written in place, truncated, touched, or
 * replaced by another (a rename over it) is noticed. When: on every flush of the disk (and
 * whenever {@link Disk#checkBacking()} is called): flushes are rare next to reads and writes, so
 * the request path stays free of system calls, and a guest that syncs learns within one flush.
 *
 * <p>A change is logged once (a {@link KernelLog} line naming the device and the file) and latched:
 * {@link #changed()} stays true. The device keeps serving: its own data is intact, and refusing
 * reads would stop the VM, which is the operator's decision. New opens refuse the file anyway
 * through the header's size/mtime check.
 *
 * <p>Thread-safety: {@link #check()} may run on the I/O thread and a caller's thread at once; the
 * latch is volatile and the log line is printed by whichever check flips it first.
 */
public final class BackingWatch {
    /** What the watch compares, from one stat. */
    record Stamp(Object dev, Object ino, long size, long mtimeNanos) {
        static Stamp of(Path p) throws IOException {
            Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino,size,lastModifiedTime");
            java.nio.file.attribute.FileTime t = (java.nio.file.attribute.FileTime) a.get("lastModifiedTime");
            long nanos = t.to(java.util.concurrent.TimeUnit.NANOSECONDS);
            return new Stamp(a.get("dev"), a.get("ino"), (Long) a.get("size"), nanos);
        }

        String describe() {
            return "size " + size + ", mtime " + java.time.Instant.ofEpochSecond(0, mtimeNanos);
        }
    }

    private final String device;
    private final Path path;
    private final Stamp atAttach;
    private final KernelLog log;
    private volatile boolean changed;

    private BackingWatch(String device, Path path, Stamp atAttach, KernelLog log) {
        this.device = device;
        this.path = path;
        this.atAttach = atAttach;
        this.log = log;
    }

    /** Stamps the backing file now. */
    static BackingWatch of(String device, Path path, KernelLog log) throws IOException {
        return new BackingWatch(device, path, Stamp.of(path), log);
    }

    public Path path() {
        return path;
    }

    /** Whether a change has been seen (by any check so far). */
    public boolean changed() {
        return changed;
    }

    /** One stat; logs and latches the first difference. @return {@link #changed()} */
    public boolean check() {
        if (changed) {
            return true;
        }
        String now;
        try {
            Stamp s = Stamp.of(path);
            if (s.equals(atAttach)) {
                return false;
            }
            now = s.dev().equals(atAttach.dev()) && s.ino().equals(atAttach.ino())
                    ? s.describe() : "another file (" + s.describe() + ")";
        } catch (IOException e) {
            now = "gone (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        }
        synchronized (this) {
            if (changed) {
                return true;
            }
            changed = true;
        }
        log.print(device + ": backing file \"" + path + "\" changed while in use (" + atAttach.describe() + " at attach, now "
                + now + "): sectors not in the COW file may read new data; its COW files will be refused at the next open");
        return true;
    }
}
