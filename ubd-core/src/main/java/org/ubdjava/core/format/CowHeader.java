package org.ubdjava.core.format;

import java.nio.ByteOrder;

/**
 * A decoded COW header, whatever its layout.
 *
 * @param layout      the on-disk layout it was read from (gives the version)
 * @param magicOrder  the byte order the magic was stored in; it selects only how the version was
 *                    decoded, never the other fields (as read_cow_header does)
 * @param backingFile the backing path exactly as stored
 * @param mtime       the backing file's mtime as stored: an unsigned 32-bit number of seconds
 * @param size        the backing file's size in bytes
 * @param sectorSize  bytes per bitmap bit
 * @param alignment   data alignment (v3); equals the sector size for v1/v2
 * @param cowFormat   0 (plain bitmap) in every file ever written; never checked by readers
 */
public record CowHeader(HeaderLayout layout, ByteOrder magicOrder, String backingFile, long mtime, long size,
                        int sectorSize, int alignment, int cowFormat) {

    public int version() {
        return layout.version();
    }

    public boolean brokenV3() {
        return layout instanceof HeaderV3 v3 && v3.broken();
    }

    public CowGeometry geometry() {
        return layout.geometry(this);
    }
}
