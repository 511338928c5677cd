package org.ubdjava.cli;

import java.util.Locale;

import picocli.CommandLine;

/** Bytes, with an optional K/KiB, M/MiB or G/GiB suffix (powers of 1024). */
public final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        int shift = 0;
        for (String[] suffix : new String[][] {{"GIB", "30"}, {"MIB", "20"}, {"KIB", "10"}, {"G", "30"}, {"M", "20"}, {"K", "10"}, {"B", "0"}}) {
            if (v.endsWith(suffix[0])) {
                v = v.substring(0, v.length() - suffix[0].length()).trim();
                shift = Integer.parseInt(suffix[1]);
                break;
            }
        }
        try {
            long n = Long.parseLong(v);
            if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a positive size");
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size (bytes, or a number with KiB, MiB or GiB)");
        }
    }
}
