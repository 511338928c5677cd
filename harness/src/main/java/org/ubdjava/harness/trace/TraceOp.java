package org.ubdjava.harness.trace;

/**
 * What a trace record asks the disk to do. Each format maps its own operation names onto these;
 * records that are not I/O at all (fio's file management, blkparse's plug/complete/merge events,
 * SCSI commands that move no data) are never returned as records, only counted by the reader.
 *
 * <table>
 * <caption>How the formats map onto these operations</caption>
 * <tr><th>format</th><th>READ</th><th>WRITE</th><th>DISCARD</th><th>FLUSH</th></tr>
 * <tr><td>fio iolog v2/v3</td><td>read</td><td>write</td><td>trim</td><td>sync, datasync</td></tr>
 * <tr><td>blkparse text</td><td>RWBS with R</td><td>RWBS with W</td><td>RWBS with D (also DE, secure erase)</td>
 *     <td>RWBS F alone, or a leading F with no data (FN)</td></tr>
 * <tr><td>MSR Cambridge CSV</td><td>Read</td><td>Write</td><td>-</td><td>-</td></tr>
 * <tr><td>CloudPhysics vscsi</td><td>0x08, 0x28, 0xa8, 0x88</td><td>0x0a, 0x2a, 0xaa, 0x8a</td><td>-</td>
 *     <td>0x35, 0x91 (SYNCHRONIZE CACHE)</td></tr>
 * <tr><td>Alibaba block CSV</td><td>R</td><td>W</td><td>-</td><td>-</td></tr>
 * </table>
 */
public enum TraceOp {
    READ,
    WRITE,
    /** The range's contents become undefined (trim, discard); a later read may see old data or zeros. */
    DISCARD,
    /** Everything written before must be durable; a FLUSH record has offset 0 and length 0. */
    FLUSH;

    /** Whether the record names a byte range of the disk (everything but FLUSH). */
    public boolean hasRange() {
        return this != FLUSH;
    }
}
