package org.ubdjava.core.options;

/**
 * The unit at the start of a ubd option, read the way the kernel's {@code parse_unit} reads it.
 *
 * <p>{@code value} is the kernel's {@code int n}: −1 when there is no unit (neither an ASCII digit
 * nor a lowercase letter), otherwise the number, which may be ≥ 16 or even negative (see
 * {@link #read}). {@code end} is the index just after the unit ({@code 0} when there is none).
 */
record KernelUnitNumber(int value, int end) {

    private static final KernelUnitNumber NONE = new KernelUnitNumber(-1, 0);

    /**
     * Reads the unit at the start of {@code text}.
     *
     * <ul>
     *   <li>A leading ASCII digit starts {@code simple_strtoul(text, &end, 0)}: {@code 0x}/{@code 0X}
     *       followed by a hex digit selects base 16, any other leading {@code 0} selects base 8
     *       ({@code "08"} reads as 0 and stops before the 8), otherwise base 10. Digits are read
     *       as far as they go. The result wraps modulo 2^64 like the kernel's unsigned long and
     *       is then truncated to a 32-bit int like the kernel's assignment to {@code int n}, so
     *       {@code 4294967297} is unit 1 and {@code 2147483648} is negative.</li>
     *   <li>A letter {@code a}–{@code z} is {@code letter - 'a'} (so {@code q}–{@code z} are
     *       16–25, rejected later by the range check).</li>
     * </ul>
     * The {@code 0x} rule follows 6.1's lib/kstrtox.c ({@code isxdigit} check on the third
     * character).
     */
    static KernelUnitNumber read(String text) {
        if (text.isEmpty()) {
            return NONE;
        }
        char first = text.charAt(0);
        if (isAsciiDigit(first)) {
            return readNumber(text);
        }
        if (first >= 'a' && first <= 'z') {
            return new KernelUnitNumber(first - 'a', 1);
        }
        return NONE;
    }

    private static KernelUnitNumber readNumber(String text) {
        int pos = 0;
        int base = 10;
        if (text.charAt(0) == '0') {
            boolean hexPrefix = text.length() > 2
                    && (text.charAt(1) == 'x' || text.charAt(1) == 'X')
                    && digitValue(text.charAt(2)) >= 0;
            if (hexPrefix) {
                base = 16;
                pos = 2;
            } else {
                base = 8;
            }
        }
        long result = 0; // unsigned 64-bit in the kernel; Java's wrapping multiply matches it
        while (pos < text.length()) {
            int digit = digitValue(text.charAt(pos));
            if (digit < 0 || digit >= base) {
                break;
            }
            result = result * base + digit;
            pos++;
        }
        return new KernelUnitNumber((int) result, pos);
    }

    static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** 0–15 for an ASCII hex digit (either case), −1 for anything else. */
    private static int digitValue(char c) {
        if (isAsciiDigit(c)) {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
