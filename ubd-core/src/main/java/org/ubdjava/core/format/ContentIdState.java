package org.ubdjava.core.format;

/**
 * What a COW file says about its backing file's content identity, read from the header alone.
 *
 * @param kind    what was found
 * @param id      the record's id when it could be decoded ({@link Kind#VALID}, {@link Kind#STALE}), else null
 * @param problem why it is not valid, for {@link Kind#STALE}, {@link Kind#DAMAGED} and {@link Kind#NO_ROOM}; else null
 */
public record ContentIdState(Kind kind, ContentId id, String problem) {
    public enum Kind {
        /** No record: the bytes where it would be are zero, or another program's. */
        NONE,
        /** A record of ours that cannot be decoded: checksum, record version or algorithm unknown. */
        DAMAGED,
        /** A sound record made for other header values (size or mtime): the header was rewritten without it. */
        STALE,
        /** A sound record that belongs to the header as it is. */
        VALID,
        /** The layout has no unused bytes for a record (v1, v2, or a v3 alignment leaving too little room). */
        NO_ROOM
    }

    public boolean valid() {
        return kind == Kind.VALID;
    }

    static ContentIdState none() {
        return new ContentIdState(Kind.NONE, null, null);
    }
}
