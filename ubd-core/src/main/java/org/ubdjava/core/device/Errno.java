package org.ubdjava.core.device;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** The errno values the kernel's messages print, and how Java's I/O exceptions map onto them. */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EIO = 5;
    public static final int EBADF = 9;
    public static final int ENOMEM = 12;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ENOSYS = 38;
    public static final int EOPNOTSUPP = 95;

    private Errno() {
    }

    public static int of(IOException e) {
        if (e instanceof NoSuchFileException) {
            return ENOENT;
        }
        if (e instanceof AccessDeniedException) {
            return EACCES;
        }
        if (e instanceof NotDirectoryException) {
            return ENOTDIR;
        }
        String reason = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        if (reason != null) {
            if (reason.contains("Read-only file system")) {
                return EROFS;
            }
            if (reason.contains("No space left")) {
                return ENOSPC;
            }
            if (reason.contains("Is a directory")) {
                return EISDIR;
            }
            if (reason.contains("Permission denied")) {
                return EACCES;
            }
            // the JDK's words for them (strerror): a process or a system out of descriptors, a process out of mappings
            if (reason.contains("Too many open files in system")) {
                return ENFILE;
            }
            if (reason.contains("Too many open files")) {
                return EMFILE;
            }
            if (reason.contains("Cannot allocate memory") || reason.contains("Map failed")) {
                return ENOMEM;
            }
        }
        return EIO;
    }
}
