package org.ubdjava.testsupport;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Disables interop tests whose real program is missing, and says so where a person will see it. */
public final class RealToolCondition implements ExecutionCondition {
    private static final Set<String> ANNOUNCED = ConcurrentHashMap.newKeySet();

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        for (String tool : new String[] {"uml_mkcow", "uml_moo"}) {
            if (RealTools.find(tool).isEmpty()) {
                return skip(context, tool + " is not installed (apt-get install -y uml-utilities)");
            }
        }
        return ConditionEvaluationResult.enabled("uml-utilities found");
    }

    static ConditionEvaluationResult skip(ExtensionContext context, String reason) {
        String where = context.getRequiredTestClass().getSimpleName();
        if (ANNOUNCED.add(where + reason)) {
            System.err.println("*** INTEROP TESTS SKIPPED in " + where + ": " + reason);
        }
        return ConditionEvaluationResult.disabled("INTEROP SKIPPED: " + reason);
    }
}
