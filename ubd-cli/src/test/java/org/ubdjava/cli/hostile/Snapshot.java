package org.ubdjava.cli.hostile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What a directory holds, to compare before and after a command: for each entry its name, type,
 * permissions and, by type, its size, mtime and SHA-256 (regular files up to 16 MiB; larger ones,
 * the sparse ones, by size and mtime), its target (symbolic links) or its device numbers. A
 * directory's own mtime is left out: a command that made a temporary file and removed it on failure
 * has left nothing, which the names show. The two real devices a case may name are recorded too, so
 * that a command that replaced one is caught.
 */
record Snapshot(Map<String, String> entries) {
    static final long HASHED = 16L << 20;
    static final List<Path> DEVICES = List.of(Path.of("/dev/null"), Path.of("/dev/zero"));

    static Snapshot of(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                if (!p.equals(dir)) {
                    m.put(dir.relativize(p).toString(), describe(p));
                }
            }
        }
        for (Path d : DEVICES) {
            m.put(d.toString(), describe(d));
        }
        return new Snapshot(m);
    }

    /** fifo, socket, chr, blk, dir, link, file or missing: the entry itself, never what a link points to. */
    static String type(Path p) {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return "missing";
        }
        return switch (mode & 0170000) {
            case 0140000 -> "socket";
            case 0120000 -> "link";
            case 0100000 -> "file";
            case 0060000 -> "blk";
            case 0040000 -> "dir";
            case 0020000 -> "chr";
            case 0010000 -> "fifo";
            default -> "mode " + Integer.toOctalString(mode);
        };
    }

    private static String describe(Path p) throws IOException {
        String type = type(p);
        if (type.equals("missing")) {
            return type;
        }
        int perms = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
        String d = type + " " + Integer.toOctalString(perms);
        switch (type) {
            case "file" -> {
                long size = Files.size(p);
                d += " size=" + size + " mtime=" + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis();
                if (size <= HASHED) {
                    d += " sha256=" + sha256(p);
                }
            }
            case "link" -> d += " -> " + Files.readSymbolicLink(p);
            case "chr", "blk" -> d += " rdev=" + Files.getAttribute(p, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
            default -> {
            }
        }
        return d;
    }

    private static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[65536];
            for (int n; (n = in.read(b)) > 0;) {
                md.update(b, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }

    /**
     * How {@code after} differs from this, entries in {@code mayChange} (names relative to the
     * directory) aside: one line per entry changed, appeared or gone.
     */
    List<String> differences(Snapshot after, java.util.Set<String> mayChange) {
        List<String> out = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(entries.keySet());
        names.addAll(after.entries.keySet());
        for (String n : names) {
            if (mayChange.contains(n) || mayChange.stream().anyMatch(m -> m.endsWith("*") && n.startsWith(m.substring(0, m.length() - 1)))) {
                continue;
            }
            String b = entries.get(n);
            String a = after.entries.get(n);
            if (b == null) {
                out.add(n + " appeared (" + a + ")");
            } else if (a == null) {
                out.add(n + " is gone (was " + b + ")");
            } else if (!a.equals(b)) {
                out.add(n + " changed: " + b + " -> " + a);
            }
        }
        return out;
    }
}
