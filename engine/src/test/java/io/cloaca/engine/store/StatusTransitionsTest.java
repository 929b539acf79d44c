package io.cloaca.engine.store;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static io.cloaca.engine.store.TaskStatus.Completed;
import static io.cloaca.engine.store.TaskStatus.Failed;
import static io.cloaca.engine.store.TaskStatus.NotStarted;
import static io.cloaca.engine.store.TaskStatus.Ready;
import static io.cloaca.engine.store.TaskStatus.Running;
import static io.cloaca.engine.store.TaskStatus.Skipped;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one table of legal status changes, and the SQL moves built from it. */
class StatusTransitionsTest {

    @Test
    void the_task_table_lists_exactly_the_changes_the_store_makes() {
        Map<TaskStatus, Set<TaskStatus>> expected = Map.of(
                NotStarted, EnumSet.of(Ready, Running, Skipped, Failed),
                Ready, EnumSet.of(Running, Failed),
                Running, EnumSet.of(Completed, Failed, Ready),
                Completed, EnumSet.noneOf(TaskStatus.class),
                Failed, EnumSet.noneOf(TaskStatus.class),
                Skipped, EnumSet.noneOf(TaskStatus.class));
        for (TaskStatus from : TaskStatus.values()) {
            for (TaskStatus to : TaskStatus.values()) {
                assertEquals(expected.get(from).contains(to), from.canMoveTo(to), from + " -> " + to);
            }
            assertEquals(from.isTerminal(), expected.get(from).isEmpty(), from + ": final iff it has no way out");
        }
        assertEquals(EnumSet.of(NotStarted, Ready, Running),
                EnumSet.copyOf(java.util.Arrays.stream(TaskStatus.values()).filter(TaskStatus::isInitial).toList()));
    }

    @Test
    void an_execution_is_running_until_it_ends_once() {
        for (ExecutionStatus from : ExecutionStatus.values()) {
            for (ExecutionStatus to : ExecutionStatus.values()) {
                assertEquals(from == ExecutionStatus.Running && to != ExecutionStatus.Running, from.canMoveTo(to),
                        from + " -> " + to);
            }
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ExecutionStatus.fromRow("Pending"));
        assertTrue(e.getMessage().contains("'Pending'") && e.getMessage().contains("Running, Completed, Failed"),
                e.getMessage());
    }

    @Test
    void a_move_guards_on_its_old_statuses_and_an_illegal_one_is_refused_before_any_sql() {
        StatusMove move = StatusMove.task(Failed, NotStarted, Ready);
        assertEquals("status = 'Failed'", move.set());
        assertEquals("(status IN ('NotStarted', 'Ready')) IS TRUE", move.guard());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> StatusMove.task(Ready, Completed));
        assertTrue(e.getMessage().startsWith("BUG: a task cannot change from Completed to Ready"), e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> StatusMove.execution(ExecutionStatus.Running, ExecutionStatus.Failed));
        assertThrows(IllegalStateException.class, () -> StatusMove.initial(Skipped));
        assertFalse(Skipped.isInitial());
    }
}
