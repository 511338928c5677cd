package org.ubdjava.harness.report;

import java.util.LinkedHashMap;
import java.util.Map;

import org.ubdjava.core.format.CowInfo;
import org.ubdjava.core.Printable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * One configured mapper for every {@code --json} output, so key order and style agree across
 * commands. The libraries' result records know nothing of JSON: their keys (snake_case, in
 * component order) are set here.
 */
public final class Json {
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    private abstract static class SnakeCase {
    }

    /**
     * JSON escapes only C0 controls; a path from a COW header may also hold DEL, C1 controls (a
     * UTF-8 terminal takes U+009B for CSI) and bidirectional overrides: written in JSON's backslash-u form
     * too, so the JSON means the same and shows the same on a terminal as the text output.
     */
    private static final class TerminalSafe extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] ascii = CharacterEscapes.standardAsciiEscapesForJSON();

        TerminalSafe() {
            ascii[0x7f] = CharacterEscapes.ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return Printable.isControl(ch) ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .addMixIn(CowInfo.class, SnakeCase.class);

    static {
        MAPPER.getFactory().setCharacterEscapes(new TerminalSafe());
    }

    private Json() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
        }
    }

    /** A record's JSON fields, in order: for the text form of a command, so it shows what --json does. */
    public static Map<String, Object> fields(Object record) {
        return MAPPER.convertValue(record, new TypeReference<LinkedHashMap<String, Object>>() { });
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
