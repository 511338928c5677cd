package org.ubdjava.core.format;

import java.util.Locale;

/**
 * How a new COW file's bitmap and data area are allocated, as qemu-img's {@code preallocation}
 * option does for its images. The content is the same either way (a clean bitmap, a data area of
 * zeros): only where the first write to a sector pays for its block differs.
 */
public enum Preallocation {
    /** A sparse file, as the kernel and uml_mkcow make it: disk use grows with what is written. */
    OFF,
    /**
     * Every block reserved up front with fallocate (disk use is the whole file at once): a first
     * write to a sector then costs an overwrite, without the file system's block allocation, and a
     * full disk shows when the file is made, not in the middle of a VM's writes.
     */
    FALLOC;

    /** The name on the command line and in reports: {@code off}, {@code falloc}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Preallocation parse(String s) {
        for (Preallocation p : values()) {
            if (p.label().equals(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException("preallocation must be off or falloc, not '" + s + "'");
    }
}
