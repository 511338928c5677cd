package org.ubdjava.core.options;

/**
 * The per-device flags of a {@code ubd<N><flags>=} option.
 *
 * <p>Each flag is the letter the user writes between the unit and the {@code '='}:
 * {@code r} read-only, {@code s} O_SYNC, {@code c} shared (no host locking), {@code d} data
 * (never treat the file as COW), {@code t} no TRIM. A flag that is false means the kernel default
 * (read-write, buffered, locked, COW detection on, discard advertised). Immutable.
 */
public record UbdFlags(boolean readOnly, boolean sync, boolean shared, boolean noCow, boolean noTrim) {

    /** The kernel default for a device given no flags (and no {@code ubd=sync} before it). */
    public static final UbdFlags NONE = new UbdFlags(false, false, false, false, false);

    /**
     * The accepted flag letters, in the order {@link #letters()} writes them. It is the kernel's
     * own order (its flag loop is bounded by {@code sizeof("rscdt=")}), so a round trip through
     * {@link #fromLetters} and {@link #letters()} is stable.
     */
    public static final String LETTERS = "rscdt";

    /** The set flags as letters in {@link #LETTERS} order, e.g. {@code "rc"}; "" when none is set. */
    public String letters() {
        StringBuilder out = new StringBuilder(LETTERS.length());
        if (readOnly) {
            out.append('r');
        }
        if (sync) {
            out.append('s');
        }
        if (shared) {
            out.append('c');
        }
        if (noCow) {
            out.append('d');
        }
        if (noTrim) {
            out.append('t');
        }
        return out.toString();
    }

    /**
     * The flags named by {@code letters}, in any order, repeats allowed (as on a kernel command
     * line). This is a convenience for callers and tests; it does not enforce the kernel's limit
     * of six letters, which is a property of the option syntax, not of the flag set.
     *
     * @throws IllegalArgumentException for a character outside {@link #LETTERS}
     */
    public static UbdFlags fromLetters(String letters) {
        boolean r = false;
        boolean s = false;
        boolean c = false;
        boolean d = false;
        boolean t = false;
        for (int i = 0; i < letters.length(); i++) {
            switch (letters.charAt(i)) {
                case 'r' -> r = true;
                case 's' -> s = true;
                case 'c' -> c = true;
                case 'd' -> d = true;
                case 't' -> t = true;
                default -> throw new IllegalArgumentException("not a ubd flag letter: '" + letters.charAt(i) + "' in \"" + letters + "\"");
            }
        }
        return new UbdFlags(r, s, c, d, t);
    }

    @Override
    public String toString() {
        return letters().isEmpty() ? "-" : letters();
    }
}
