package org.ubdjava.cli;

import static org.ubdjava.core.Sectors.SECTOR;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The converters of every numeric option: a number out of its range is refused while the command
 * line is parsed, so it exits 2 (picocli names the option) before any file is opened, created or
 * allocated for. Ranges say what the number means: a count of VMs is at least 1, a byte offset a
 * whole number of sectors, a rate a finite fraction. Limits that depend on the machine (the heap a
 * count of VMs needs) are checked by {@link HeapBudget} once every option is known.
 */
public final class Numbers {

    private Numbers() {
    }

    static long whole(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
    }

    static int wholeInt(String value) {
        long n = whole(value);
        if (n != (int) n) {
            throw new TypeConversionException("'" + value + "' is larger than " + Integer.MAX_VALUE);
        }
        return (int) n;
    }

    static double decimal(String value) {
        double d;
        try {
            d = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a number");
        }
        if (!Double.isFinite(d)) {
            throw new TypeConversionException("'" + value + "' is not a finite number");
        }
        return d;
    }

    /** A count of things that must exist: VMs, requests in flight, rounds (1 or more). */
    public static final class Count implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = wholeInt(value);
            if (n < 1) {
                throw new TypeConversionException("'" + value + "' is not a count of 1 or more");
            }
            return n;
        }
    }

    /** A count where 0 means none (or, as documented by the option, "all"). */
    public static final class CountOrZero implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            int n = wholeInt(value);
            if (n < 0) {
                throw new TypeConversionException("'" + value + "' is negative (0 or more)");
            }
            return n;
        }
    }

    /**
     * A wall-clock instant in milliseconds since the epoch (--start-at): not before 1970, and at most
     * a day ahead: shards wait for it silently, so a start years away (seconds typed as milliseconds
     * times a thousand, a digit too many) would look like a hang.
     */
    public static final class EpochMillis implements ITypeConverter<Long> {
        static final long MAX_AHEAD_MILLIS = 86_400_000L;

        @Override
        public Long convert(String value) {
            long n = whole(value);
            if (n < 0) {
                throw new TypeConversionException("'" + value + "' is negative: milliseconds since 1970 are 0 or more");
            }
            if (n - System.currentTimeMillis() > MAX_AHEAD_MILLIS) {
                throw new TypeConversionException("'" + value + "' is more than a day from now: shards would wait until then "
                        + "(milliseconds since 1970, e.g. $(( $(date +%s) * 1000 + 30000 )) for 30 s from now)");
            }
            return n;
        }
    }

    /** A number of records to take (--limit): taking none would replay or simulate nothing. */
    public static final class Records implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long n = whole(value);
            if (n < 1) {
                throw new TypeConversionException("'" + value + "' is not a number of records of 1 or more");
            }
            return n;
        }
    }

    /**
     * A speed-up factor where 0 means "as fast as possible". Bounded both ways: a factor of 1e-300
     * would stretch a one-second trace past the age of the universe (a run that never ends), and one
     * of 1e300 is "as fast as possible" said obscurely.
     */
    public static final class Pace implements ITypeConverter<Double> {
        static final double MIN = 1e-6;
        static final double MAX = 1e6;

        @Override
        public Double convert(String value) {
            double d = decimal(value);
            if (d == 0) {
                return 0.0; // -0.0 is 0
            }
            if (d < MIN || d > MAX) {
                throw new TypeConversionException("'" + value + "' is not 0 (as fast as possible) nor a factor from "
                        + MIN + " to " + (long) MAX + " (X times the trace's speed)");
            }
            return d;
        }
    }

    /** A sampling rate: 0 (off) to 1. */
    public static final class Rate implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double d = decimal(value);
            if (d < 0 || d > 1) {
                throw new TypeConversionException("'" + value + "' is not a rate from 0 to 1");
            }
            return d == 0 ? 0.0 : d;
        }
    }

    /** A byte offset or length on a device: a whole number of 512-byte sectors, not negative. */
    public static final class Sectors implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long n = whole(value);
            if (n < 0 || n % SECTOR != 0) {
                throw new TypeConversionException("'" + value + "' is not a multiple of 512 bytes of 0 or more");
            }
            return n;
        }
    }
}
