package io.cloaca.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs each sample through the real launcher and checks what it prints. */
class SamplesIT {

    private static CloacaProcess.Result runSample(String file) throws Exception {
        CloacaProcess.Result r = CloacaProcess.run(Map.of(), "run", "samples/python/" + file);
        assertEquals(0, r.exitCode(), r::toString);
        return r;
    }

    private static void assertPrinted(CloacaProcess.Result r, String... lines) {
        for (String line : lines) {
            assertTrue(r.stdout().contains(line + "\n"), () -> "missing line: " + line + "\n" + r);
        }
    }

    @Test
    void sample_01_runs_a_three_task_chain() throws Exception {
        CloacaProcess.Result r = runSample("01_first_workflow.py");
        assertTrue(r.stdout().contains("fetched order 42\ndiscounted total: 11.25\nstatus: Completed\n"), r::toString);
        assertTrue(r.stdout().contains("receipt: Order 42: 2 items, 11.25 EUR"), r::toString);
    }

    @Test
    void sample_02_handles_nested_context_data_and_reports_the_failed_task() throws Exception {
        CloacaProcess.Result r = runSample("02_context_handling.py");
        assertPrinted(r,
                "before set: ['a']",
                "after set: ['a', 'b']",
                "summary: Ada Lovelace (gold), addresses: London, Cambridge",
                "tags: new, newsletter",
                "status: Failed",
                "error: 1 task(s) failed, 4 completed, 0 skipped",
                "failed task: check_email: Python task execution failed: ValueError: customer 17 has no email address");
    }

    @Test
    void sample_03_runs_ten_tasks_with_two_diamonds_and_a_fan_in() throws Exception {
        CloacaProcess.Result r = runSample("03_complex_workflow.py");
        assertTrue(r.stdout().contains("""
                tasks: 10
                level 1: extract_sales
                level 2: clean_customers, clean_orders
                level 3: join
                level 4: product_section, region_section, revenue_section
                level 5: assemble_report
                level 6: publish
                level 7: notify
                status: Completed
                """), r::toString);
        assertPrinted(r,
                "cleaning notes: customers, orders",
                "sections merged: product, region, revenue (3)",
                "report | total revenue: 49.75",
                "report | north: 19.25",
                "published to: reports/2025-06-30.txt",
                "completed tasks: 10");
    }

    @Test
    void sample_04_retries_a_flaky_task_and_reports_the_one_that_failed_for_good() throws Exception {
        CloacaProcess.Result r = runSample("04_error_handling.py");
        String connection = "Python task execution failed: ConnectionError: connection reset by rates service";
        String validation = "Python task execution failed: ValueError: amount must be positive, got -5";
        assertTrue(r.stdout().contains(
                "fetch_rates attempt 1 failed: " + connection + "\n"
                        + "fetch_rates attempt 2 failed: " + connection + "\n"
                        + "fetch_rates succeeded on attempt 3\n"
                        + "validate_payment attempt 1 failed: " + validation + "\n"
                        + "validate_payment attempt 2 failed: " + validation + "\n"), r::toString);
        assertPrinted(r,
                "status: Failed",
                "error: 1 task(s) failed, 2 completed, 0 skipped",
                "audit: payment attempt recorded",
                "task fetch_rates: Completed after 3 attempt(s)",
                "task validate_payment: Failed after 2 attempt(s): " + validation,
                "task write_audit_log: Completed after 1 attempt(s)");
    }

    @Test
    void sample_05_fires_two_short_schedules_and_reads_their_history_and_stats() throws Exception {
        CloacaProcess.Result r = runSample("05_cron_scheduling.py");
        assertPrinted(r,
                "schedules:",
                "  heartbeat  * * * * * *    UTC            skip     enabled",
                "  report     */2 * * * * *  Europe/Berlin  run_all  enabled",
                "heartbeat fired at least 3 times",
                "heartbeat disabled; enabled now: ['report']",
                "report fired at least 2 times; each run wrote its report: Completed",
                "success rate: 100.0%",
                "schedules left: []");
        assertTrue(r.stdout().contains(", lost: 0\n"), r::toString);
    }

    @Test
    void sample_08_starts_a_workflow_for_each_file_that_arrives_and_shows_the_trigger_history() throws Exception {
        CloacaProcess.Result r = runSample("08_event_triggers.py");
        assertPrinted(r,
                "trigger: inbox_watcher -> ingest_file, every 100 ms, enabled: True",
                "  orders_a.csv: 3 line(s), fired by inbox_watcher: Completed",
                "  orders_b.csv: 1 line(s), fired by inbox_watcher: Completed",
                "  orders_c.csv: 5 line(s), fired by inbox_watcher: Completed",
                "enabled after set_trigger_enabled(False): False");
        assertEquals(3, r.stdout().lines().filter(l -> l.matches("  fired at \\S+ -> execution [0-9a-f-]{36}")).count(),
                r::toString);
    }

    @Test
    void sample_09_picks_a_branch_by_context_value_and_cleans_up_only_after_a_failure(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String url = "sqlite://" + dir.resolve("orders.db");
        CloacaProcess.Result r = CloacaProcess.run(Map.of("DATABASE_URL", url), "run",
                "samples/python/09_trigger_rules.py");
        assertEquals(0, r.exitCode(), r::toString);
        String out = r.stdout();
        String first = out.substring(out.indexOf("order 1:"), out.indexOf("order 2:"));
        String second = out.substring(out.indexOf("order 2:"));
        for (String line : List.of("  confirmation: 250 EUR, shipped by overnight courier", "  status: Completed",
                "  ship_express: Completed", "  charge_card: Completed", "  send_confirmation: Completed",
                "  ship_standard: Skipped (skipped: context_value('shipping', '==', 'standard') was false)",
                "  release_stock: Skipped (skipped: task_failed('charge_card') was false)")) {
            assertTrue(first.contains(line + "\n"), () -> "missing in order 1: " + line + "\n" + r);
        }
        for (String line : List.of("  clean-up: stock released, parcel post booking cancelled",
                "  status: Failed (1 task(s) failed, 3 completed, 2 skipped)",
                "  ship_express: Skipped (skipped: context_value('shipping', '==', 'express') was false)",
                "  send_confirmation: Skipped (skipped: task_success('charge_card') was false)",
                "  release_stock: Completed")) {
            assertTrue(second.contains(line + "\n"), () -> "missing in order 2: " + line + "\n" + r);
        }
        assertFalse(first.contains("clean-up"), r::toString);

        // Another process reads the failed execution and shows why each skipped task was skipped.
        String executionId = second.lines().filter(l -> l.startsWith("  execution: ")).findFirst()
                .orElseThrow().substring("  execution: ".length());
        CloacaProcess.Result shown = CloacaProcess.run(Map.of("DATABASE_URL", url), "executions", executionId);
        assertEquals(0, shown.exitCode(), shown::toString);
        assertTrue(shown.stdout().lines().map(l -> l.strip().replaceAll("\\s+", " ")).toList().containsAll(List.of(
                "ship_express Skipped 0/3 skipped: context_value('shipping', '==', 'express') was false",
                "send_confirmation Skipped 0/3 skipped: task_success('charge_card') was false",
                "release_stock Completed 1/3")), shown::toString);
    }
}
