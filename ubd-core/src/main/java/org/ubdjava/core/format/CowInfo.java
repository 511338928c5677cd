package org.ubdjava.core.format;

/**
 * What {@code ubd info} shows of a COW file: its header, layout, allocation and backing check.
 *
 * @param brokenV3        the header is the 64-bit-padded v3 variant the kernel recovers
 * @param byteOrder       how the header's fields are encoded: v1 little-endian, v2/v3 big-endian
 * @param magicByteOrder  how the magic (and so the version) was found
 * @param diskUsage       bytes the file system allocates for the file (holes excluded)
 * @param backingProblem  why the backing file does not match, or null
 * @param backingRealPath the header's backing path with symlinks resolved, null when it does not resolve
 * @param backingAllowed  under a restricting {@link BackingPolicy}: whether it allows that file; null without one
 */
public record CowInfo(String file, int version, boolean brokenV3, String byteOrder, String magicByteOrder, String backingFile,
                      long mtime, long size, int sectorSize, int alignment, int cowFormat, long bitmapOffset, long bitmapLength,
                      long dataOffset, long sectors, long allocatedSectors, long fileLength, long diskUsage, boolean backingOk,
                      String backingProblem, String backingRealPath, Boolean backingAllowed) {
}
