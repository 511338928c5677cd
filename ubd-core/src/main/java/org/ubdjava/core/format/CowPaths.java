package org.ubdjava.core.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.ubdjava.core.UbdException;
import org.ubdjava.core.io.RegularFiles;

/** Backing-path fields: NUL-terminated byte strings in the header, absolutised the kernel's way. */
public final class CowPaths {
    private CowPaths() {
    }

    /** Decodes a NUL-terminated path; a field without a NUL is corrupt (the kernel would read past it). */
    static String decodeField(ByteBuffer header, int offset, int length, String what) {
        for (int i = 0; i < length; i++) {
            if (header.get(offset + i) == 0) {
                byte[] bytes = new byte[i];
                header.get(offset, bytes);
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }
        throw new CowFormatException("backing file name in " + what + " header is not NUL-terminated");
    }

    static byte[] encodeField(String path, int fieldLength) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > fieldLength - 1) {
            throw new UbdException("Backing file name \"" + path + "\" is too long - names are limited to "
                    + (fieldLength - 1) + " characters");
        }
        byte[] field = new byte[fieldLength];
        System.arraycopy(bytes, 0, field, 0, bytes.length);
        return field;
    }

    /**
     * The kernel's and uml_mkcow's absolutisation: the directory part is made physical (directory
     * symlinks resolved, {@code ..} collapsed) while the last component is kept as given, so a
     * symlink to the backing file stays a symlink. Unlike the kernel it does not chdir and has no
     * 256-byte limit on the current directory.
     */
    public static String absolutise(String backing) {
        Path given = Path.of(backing);
        Path name = given.getFileName();
        if (name == null) {
            throw new UbdException("absolutize : '" + backing + "' names no file");
        }
        int slash = backing.lastIndexOf('/');
        Path dir = slash < 0 ? Path.of(".") : Path.of(slash == 0 ? "/" : backing.substring(0, slash));
        try {
            Path real = dir.toRealPath();
            String prefix = real.toString();
            return (prefix.endsWith("/") ? prefix : prefix + "/") + backing.substring(slash + 1);
        } catch (IOException e) {
            throw new UbdException("absolutize : Can't cd to '" + backing + "' - " + describe(e));
        }
    }

    /** A path from a header, resolved against the current directory when relative, as the kernel would. */
    public static Path resolve(String headerPath) {
        return Path.of(headerPath).toAbsolutePath();
    }

    /**
     * The problem alone, in the C library's words where Java has a type for it: the messages that
     * use it name the file themselves (a FileSystemException's message would name it again).
     */
    public static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof java.nio.file.NotDirectoryException) {
            return "Not a directory";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return "File exists";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return RegularFiles.reason(f);
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
