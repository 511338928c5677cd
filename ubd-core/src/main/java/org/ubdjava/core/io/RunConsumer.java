package org.ubdjava.core.io;

import java.io.IOException;

/**
 * Told each run of a range split by one yes/no property, in order and without gaps: set or clear
 * bits of the COW bitmap, data or hole of a file. One shape for both, so that whoever maps a
 * device ({@code ubd map}, the NBD export's block status) walks them the same way.
 */
@FunctionalInterface
public interface RunConsumer {
    /** The run [from, to), {@code from < to}, has the property ({@code yes}) or not. */
    void run(long from, long to, boolean yes) throws IOException;
}
