package org.ubdjava.testsupport;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.ubdjava.realtools.UmlKernel;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Disables real-kernel tests where the kernel cannot run, saying why on the console. */
public final class UmlKernelCondition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (UmlKernel.get().isPresent()) {
            return ConditionEvaluationResult.enabled("linux.uml boots");
        }
        return RealToolCondition.skip(context, UmlKernel.whyUnavailable());
    }
}
