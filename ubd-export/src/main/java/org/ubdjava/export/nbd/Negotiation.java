package org.ubdjava.export.nbd;

import static org.ubdjava.export.nbd.NbdProtocol.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The fixed newstyle handshake, server side: greets, then answers options until the client picks
 * an export (NBD_OPT_GO or NBD_OPT_EXPORT_NAME), aborts, or breaks the protocol.
 *
 * <p>Served: EXPORT_NAME, ABORT, LIST, INFO, GO (NBD_INFO_EXPORT and NBD_INFO_BLOCK_SIZE always,
 * NAME and DESCRIPTION on request), STRUCTURED_REPLY, LIST_META_CONTEXT and SET_META_CONTEXT
 * (base:allocation, the one context there is). Any other option is answered
 * NBD_REP_ERR_UNSUP and negotiation goes on, as the baseline requires. Breaches that leave the
 * stream unparseable (a wrong magic, unknown client flags, an option too long to be real) end the
 * connection: the caller closes it.
 */
final class Negotiation {
    /** What the client chose: base:allocation is selected for this export (block status may be asked). */
    record Result(NbdExport export, boolean structuredReplies, boolean baseAllocation) {
        RequestRules.Session session() {
            return new RequestRules.Session(export, structuredReplies, baseAllocation);
        }
    }

    /**
     * The longest option we read: INFO/GO with a maximal name and many info requests, or a meta
     * context option with a maximal name and a few maximal queries, fit easily; longer is taken for
     * a denial of service, which the protocol lets us end.
     */
    static final int MAX_OPTION_LENGTH = 64 << 10;

    private final ByteChannel ch;
    private final NbdExports exports;
    private final BooleanSupplier shuttingDown;
    private boolean structuredReplies;
    /** The export SET_META_CONTEXT selected base:allocation for; null when none is selected. */
    private NbdExport baseAllocationFor;

    Negotiation(ByteChannel ch, NbdExports exports, BooleanSupplier shuttingDown) {
        this.ch = ch;
        this.exports = exports;
        this.shuttingDown = shuttingDown;
    }

    /** The chosen export, or empty when the client aborted; throws on a protocol breach. */
    Optional<Result> run() throws IOException {
        Wire.writeFully(ch, ByteBuffer.allocate(18).putLong(NBDMAGIC).putLong(IHAVEOPT)
                .putShort((short) (NBD_FLAG_FIXED_NEWSTYLE | NBD_FLAG_NO_ZEROES)).flip());
        int clientFlags = Wire.read(ch, 4).getInt();
        if ((clientFlags & ~KNOWN_CLIENT_FLAGS) != 0) {
            throw new NbdProtocolException("unknown client flags 0x" + Integer.toHexString(clientFlags));
        }
        boolean noZeroes = (clientFlags & NBD_FLAG_C_NO_ZEROES) != 0;
        while (true) {
            ByteBuffer head = Wire.read(ch, 16);
            long magic = head.getLong();
            int option = head.getInt();
            long length = Integer.toUnsignedLong(head.getInt());
            if (magic != IHAVEOPT) {
                throw new NbdProtocolException("option without IHAVEOPT magic");
            }
            if (length > MAX_OPTION_LENGTH) {
                throw new NbdProtocolException("option " + option + " claims " + length + " bytes of data");
            }
            ByteBuffer data = Wire.read(ch, (int) length);
            if (shuttingDown.getAsBoolean() && option != NBD_OPT_ABORT) {
                reply(option, NBD_REP_ERR_SHUTDOWN, "the server is shutting down");
                continue;
            }
            switch (option) {
                case NBD_OPT_EXPORT_NAME -> {
                    Optional<NbdExport> e = exports.find(string(data, data.remaining()));
                    if (e.isEmpty()) {
                        // this option has no error reply: the protocol says drop the connection
                        throw new NbdProtocolException("NBD_OPT_EXPORT_NAME names no export");
                    }
                    ByteBuffer r = ByteBuffer.allocate(10 + (noZeroes ? 0 : EXPORT_NAME_ZEROES));
                    r.putLong(e.get().size()).putShort((short) e.get().flagsFor(structuredReplies));
                    Wire.writeFully(ch, r.clear());
                    return Optional.of(result(e.get()));
                }
                case NBD_OPT_ABORT -> {
                    try {
                        ack(option);
                    } catch (IOException clientAlreadyGone) {
                        // the client may hang up without waiting for this ACK; the protocol lets it
                    }
                    return Optional.empty();
                }
                case NBD_OPT_LIST -> list(option, data);
                case NBD_OPT_INFO, NBD_OPT_GO -> {
                    NbdExport chosen = info(option, data);
                    if (chosen != null && option == NBD_OPT_GO) {
                        return Optional.of(result(chosen));
                    }
                }
                case NBD_OPT_STRUCTURED_REPLY -> {
                    if (data.hasRemaining()) {
                        reply(option, NBD_REP_ERR_INVALID, "NBD_OPT_STRUCTURED_REPLY takes no data");
                    } else {
                        structuredReplies = true;
                        ack(option);
                    }
                }
                case NBD_OPT_LIST_META_CONTEXT, NBD_OPT_SET_META_CONTEXT -> metaContext(option, data);
                default -> reply(option, NBD_REP_ERR_UNSUP, "option " + option + " is not supported");
            }
        }
    }

    /** A context selected for another export than the one chosen is not selected (the protocol's rule). */
    private Result result(NbdExport chosen) {
        return new Result(chosen, structuredReplies, chosen == baseAllocationFor);
    }

    /**
     * LIST_META_CONTEXT and SET_META_CONTEXT: export name, then queries, each a length and a
     * string. base:allocation matches its own name, and for LIST also the bare namespace and no
     * query at all. SET replaces whatever an earlier SET selected, for whichever export.
     */
    private void metaContext(int option, ByteBuffer data) throws IOException {
        String what = option == NBD_OPT_SET_META_CONTEXT ? "NBD_OPT_SET_META_CONTEXT" : "NBD_OPT_LIST_META_CONTEXT";
        if (!structuredReplies) {
            reply(option, NBD_REP_ERR_INVALID, what + " needs structured replies negotiated first");
            return;
        }
        String name = lengthPrefixed(data);
        if (name == null || data.remaining() < 4) {
            reply(option, NBD_REP_ERR_INVALID, what + ": malformed export name");
            return;
        }
        int queries = data.getInt();
        boolean matched = queries == 0 && option == NBD_OPT_LIST_META_CONTEXT;
        for (int i = 0; i < queries; i++) {
            String query = lengthPrefixed(data);
            if (query == null) {
                reply(option, NBD_REP_ERR_INVALID, what + ": query " + i + " of " + queries + " does not fit the option");
                return;
            }
            matched |= query.equals(BASE_ALLOCATION) || option == NBD_OPT_LIST_META_CONTEXT && query.equals(BASE_NAMESPACE);
        }
        if (data.hasRemaining()) {
            reply(option, NBD_REP_ERR_INVALID, what + ": " + data.remaining() + " bytes after the last query");
            return;
        }
        Optional<NbdExport> export = exports.find(name);
        if (export.isEmpty()) {
            reply(option, NBD_REP_ERR_UNKNOWN, "no export named \"" + name + "\"");
            return;
        }
        if (option == NBD_OPT_SET_META_CONTEXT) {
            baseAllocationFor = matched ? export.get() : null;
        }
        if (matched) {
            byte[] context = BASE_ALLOCATION.getBytes(StandardCharsets.UTF_8);
            // LIST's ids are reserved: zero, as the protocol asks
            int id = option == NBD_OPT_SET_META_CONTEXT ? BASE_ALLOCATION_ID : 0;
            reply(option, NBD_REP_META_CONTEXT, ByteBuffer.allocate(4 + context.length).putInt(id).put(context).flip());
        }
        ack(option);
    }

    /** A 32-bit length and that many bytes of UTF-8, or null when they do not fit what is left or the length is too long. */
    private static String lengthPrefixed(ByteBuffer data) {
        if (data.remaining() < 4) {
            return null;
        }
        int length = data.getInt();
        if (length < 0 || length > MAX_STRING || length > data.remaining()) {
            return null;
        }
        return string(data, length);
    }

    private void list(int option, ByteBuffer data) throws IOException {
        if (data.hasRemaining()) {
            reply(option, NBD_REP_ERR_INVALID, "NBD_OPT_LIST takes no data");
            return;
        }
        for (NbdExport e : exports.all()) {
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            byte[] description = e.description().getBytes(StandardCharsets.UTF_8);
            reply(option, NBD_REP_SERVER, ByteBuffer.allocate(4 + name.length + description.length)
                    .putInt(name.length).put(name).put(description).flip());
        }
        ack(option);
    }

    /** Answers INFO or GO; returns the export when the answer was a success. */
    private NbdExport info(int option, ByteBuffer data) throws IOException {
        if (data.remaining() < 4 || data.getInt(0) < 0 || data.getInt(0) > data.remaining() - 6) {
            reply(option, NBD_REP_ERR_INVALID, "malformed name length");
            return null;
        }
        String name = string(data, data.getInt());
        int requests = Short.toUnsignedInt(data.getShort());
        if (data.remaining() != 2 * requests) {
            reply(option, NBD_REP_ERR_INVALID, "information request count does not match the option length");
            return null;
        }
        Optional<NbdExport> found = exports.find(name);
        if (found.isEmpty()) {
            reply(option, NBD_REP_ERR_UNKNOWN, "no export named \"" + name + "\"");
            return null;
        }
        NbdExport e = found.get();
        reply(option, NBD_REP_INFO, ByteBuffer.allocate(12).putShort((short) NBD_INFO_EXPORT).putLong(e.size())
                .putShort((short) e.flagsFor(structuredReplies)).flip());
        // sent whether asked or not: the protocol allows it, and a client that ignores it gets EINVAL for unaligned requests
        reply(option, NBD_REP_INFO, ByteBuffer.allocate(14).putShort((short) NBD_INFO_BLOCK_SIZE)
                .putInt(MIN_BLOCK).putInt(PREFERRED_BLOCK).putInt(MAX_PAYLOAD).flip());
        for (int i = 0; i < requests; i++) {
            int type = Short.toUnsignedInt(data.getShort());
            if (type == NBD_INFO_NAME || type == NBD_INFO_DESCRIPTION) {
                byte[] text = (type == NBD_INFO_NAME ? e.name() : e.description()).getBytes(StandardCharsets.UTF_8);
                reply(option, NBD_REP_INFO, ByteBuffer.allocate(2 + text.length).putShort((short) type).put(text).flip());
            }
        }
        ack(option);
        return e;
    }

    private static String string(ByteBuffer data, int length) {
        byte[] b = new byte[length];
        data.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private void ack(int option) throws IOException {
        reply(option, NBD_REP_ACK, ByteBuffer.allocate(0));
    }

    /** An error reply's data is a message for a person. */
    private void reply(int option, int type, String message) throws IOException {
        reply(option, type, ByteBuffer.wrap(message.getBytes(StandardCharsets.UTF_8)));
    }

    private void reply(int option, int type, ByteBuffer payload) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(20).putLong(OPTION_REPLY_MAGIC).putInt(option).putInt(type)
                .putInt(payload.remaining()).flip();
        Wire.writeFully(ch, head);
        Wire.writeFully(ch, payload);
    }
}
