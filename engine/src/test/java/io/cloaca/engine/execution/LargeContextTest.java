package io.cloaca.engine.execution;

import io.cloaca.engine.CloacaException;
import io.cloaca.engine.context.Context;
import io.cloaca.engine.store.ExecutionStatus;
import io.cloaca.engine.workflow.Workflow;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;

import static io.cloaca.engine.TestSupport.GENEROUS;
import static io.cloaca.engine.TestSupport.assertCloaca;
import static io.cloaca.engine.TestSupport.memoryRunner;
import static io.cloaca.engine.TestSupport.output;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A context holding a string longer than Jackson's default limit (20,000,000 characters), which upstream
 * stores and reads, crosses every boundary: stored as a task's output, read as its dependent's input (from
 * the row and from the finishing worker's hand-over) and as the final context. Runs on SQLite, and on
 * PostgreSQL with {@code -Dcloaca.test.backend=postgresql}.
 */
class LargeContextTest {

    private static final int LENGTH = 20_000_001;

    @Test
    void a_string_over_twenty_million_characters_runs_end_to_end() {
        Workflow wf = Workflow.builder("big")
                .task("make", ctx -> ctx.set("blob", "x".repeat(LENGTH)))
                .task("measure", List.of("make"), ctx -> ctx.set("length", ctx.get("blob").asText().length()))
                // Two dependencies: its input is merged from the stored rows, not handed over.
                .task("join", List.of("make", "measure"), ctx -> ctx.set("joined", ctx.get("blob").asText().length()))
                .build();
        // Bounded: before the reader's limits were lifted, the unreadable final context left execute waiting.
        try (Runner runner = memoryRunner(RunnerConfig.builder().executionTimeout(GENEROUS).build(), wf)) {
            ExecutionResult result = runner.execute("big", Context.empty());
            assertEquals(ExecutionStatus.Completed, result.status(), () -> String.valueOf(result.errorMessage()));
            assertEquals(LENGTH, result.finalContext().get("length").asInt());
            assertEquals(LENGTH, result.finalContext().get("joined").asInt());
            assertEquals(LENGTH, result.finalContext().get("blob").asText().length());
            assertEquals(LENGTH, output(runner, result.executionId(), "make").get("blob").asText().length());
        }
    }

    @Test
    void a_final_context_past_the_readers_limits_fails_the_caller_at_once_saying_why() {
        // A number of 1001 digits: written as it is, refused when read (upstream's serde_json refuses it too).
        Workflow wf = Workflow.builder("huge_number")
                .task("make", ctx -> ctx.set("n", new BigInteger("9".repeat(1001))))
                .build();
        try (Runner runner = memoryRunner(RunnerConfig.builder().executionTimeout(GENEROUS).build(), wf)) {
            CloacaException e = assertCloaca(CloacaException.Kind.INVALID_ARGUMENT,
                    () -> runner.execute("huge_number", Context.empty()));
            assertEquals("Context JSON is not valid: Number value length (1001) exceeds the maximum allowed (1000)",
                    e.getMessage());
        }
    }
}
