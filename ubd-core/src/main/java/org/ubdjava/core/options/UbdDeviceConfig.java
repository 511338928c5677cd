package org.ubdjava.core.options;

import java.util.Objects;

/**
 * One configured ubd device: what the kernel's {@code ubd_devs[unit]} slot holds after option
 * parsing, for a slot that has a file. Immutable.
 *
 * <p>Invariants: {@code 0 <= unit < }{@link #MAX_DEV}; {@code name} is {@code "ubd"} followed by
 * the letter {@code 'a' + unit}; {@code file} is non-empty; {@code backing} and {@code serial} are
 * either null (absent) or non-empty, because the parser turns empty fields into "absent".
 *
 * <p>Deliberately <em>not</em> an invariant: "no backing file together with {@code d}". The
 * kernel checks that only while parsing one option, and a sequence of options can still produce
 * both on ubd0 (see {@link UbdOptionParser#devicesAtDriverInit()}); this record must be able to
 * describe what the kernel really ends up with.
 */
public record UbdDeviceConfig(int unit, String name, String file, String backing, String serial, UbdFlags flags) {

    /** Number of ubd slots in 6.x kernels (ubda … ubdp). */
    public static final int MAX_DEV = 16;

    public UbdDeviceConfig {
        if (unit < 0 || unit >= MAX_DEV) {
            throw new IllegalArgumentException("ubd unit " + unit + " out of range 0.." + (MAX_DEV - 1));
        }
        if (!nameOf(unit).equals(name)) {
            throw new IllegalArgumentException("unit " + unit + " is " + nameOf(unit) + ", not " + name);
        }
        if (file == null || file.isEmpty()) {
            throw new IllegalArgumentException(name + ": a configured device needs a file");
        }
        requireAbsentOrNonEmpty(backing, name, "backing");
        requireAbsentOrNonEmpty(serial, name, "serial");
        Objects.requireNonNull(flags, "flags");
    }

    /** A device whose name is derived from its unit. */
    public static UbdDeviceConfig of(int unit, String file, String backing, String serial, UbdFlags flags) {
        if (unit < 0 || unit >= MAX_DEV) {
            throw new IllegalArgumentException("ubd unit " + unit + " out of range 0.." + (MAX_DEV - 1));
        }
        return new UbdDeviceConfig(unit, nameOf(unit), file, backing, serial, flags);
    }

    /** The kernel's disk name for a unit: {@code sprintf("ubd%c", 'a' + unit)}. */
    public static String nameOf(int unit) {
        return "ubd" + (char) ('a' + unit);
    }

    private static void requireAbsentOrNonEmpty(String value, String name, String field) {
        if (value != null && value.isEmpty()) {
            throw new IllegalArgumentException(name + ": an empty " + field + " must be given as null (absent)");
        }
    }
}
