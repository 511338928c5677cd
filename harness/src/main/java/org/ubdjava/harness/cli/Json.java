package org.ubdjava.harness.cli;

import java.util.LinkedHashMap;
import java.util.Map;

import org.ubdjava.core.format.CowInfo;

import com.fasterxml.jackson.core.JsonProcessingException;
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

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .addMixIn(CowInfo.class, SnakeCase.class);

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
