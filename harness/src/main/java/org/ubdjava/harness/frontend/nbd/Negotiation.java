package org.ubdjava.harness.frontend.nbd;

import static org.ubdjava.harness.frontend.nbd.NbdProtocol.*;

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
 * NAME and DESCRIPTION on request), STRUCTURED_REPLY. Any other option is answered
 * NBD_REP_ERR_UNSUP and negotiation goes on, as the baseline requires. Breaches that leave the
 * stream unparseable (a wrong magic, unknown client flags, an option too long to be real) end the
 * connection: the caller closes it.
 */
final class Negotiation {
    /** What the client chose. */
    record Result(NbdExport export, boolean structuredReplies) {
    }

    /** The longest option we read: INFO/GO with a maximal name and many info requests fit easily. */
    static final int MAX_OPTION_LENGTH = 4 + MAX_STRING + 2 + 2 * 256;

    private final ByteChannel ch;
    private final NbdExports exports;
    private final BooleanSupplier shuttingDown;
    private boolean noZeroes;
    private boolean structuredReplies;

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
        noZeroes = (clientFlags & NBD_FLAG_C_NO_ZEROES) != 0;
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
                    return Optional.of(new Result(e.get(), structuredReplies));
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
                        return Optional.of(new Result(chosen, structuredReplies));
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
                default -> reply(option, NBD_REP_ERR_UNSUP, "option " + option + " is not supported");
            }
        }
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
