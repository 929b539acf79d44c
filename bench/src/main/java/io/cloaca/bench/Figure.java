package io.cloaca.bench;

/**
 * Every figure the benchmark reports for each database setup, with its DESIGN §10 target. A run that
 * completes reports all of them (the smoke test checks this).
 */
public enum Figure {
    RAW_THROUGHPUT("Raw JDBC claim+complete, 2 commits/task, 4 workers"),
    RAW_COMMIT_LATENCY("Raw JDBC 1 writer: one commit (p50 / p99) and tasks/s"),
    RAW_ENGINE_ROWS("Raw JDBC writing a 1-task workflow's rows (2 INSERTs, 2 UPDATEs, 2 commits), 4 workers"),
    JAVA_ONE_THROUGHPUT("Java tasks/s, 1-task workflows"),
    JAVA_ONE_THROUGHPUT_ONE_CLIENT("Java tasks/s, 1-task workflows, 1 submitting thread"),
    JAVA_ONE_VS_ENGINE_ROWS("Java tasks/s, 1-task workflows, against raw JDBC writing the same rows"),
    JAVA_CHAIN_THROUGHPUT("Java tasks/s, 10-task chains"),
    JAVA_VS_RAW_BETWEEN("Java tasks/s, 1-task workflows / 10-task chains, each round against a raw round run just before it"),
    MACHINE_CPU_PER_TASK("Machine CPU per task, Java 1-task workflows / 10-task chains"),
    PYTHON_ONE_THROUGHPUT("Python tasks/s, 1-task workflows"),
    PYTHON_CHAIN_THROUGHPUT("Python tasks/s, 10-task chains"),
    DISPATCH_LATENCY("Dispatch latency in a 10-task chain (p50 / p99)"),
    CHAIN_END_TO_END("10-task chain, execute to result (p50 / p99)"),
    ONE_TASK_END_TO_END("1-task workflow, execute to result (p50 / p99)"),
    RAW_ENGINE_ROWS_LATENCY("Raw JDBC writing a 1-task workflow's rows, 1 writer (p50 / p99)"),
    ONE_TASK_VS_ENGINE_ROWS("1-task workflow, execute to result, against raw JDBC writing its rows (p50)"),
    ONE_TASK_VS_COMMITS_BETWEEN("1-task workflow, execute to result, each followed by a raw claim + complete (2 commits), the two compared (p50 / p99)"),
    PYTHON_ONE_TASK_END_TO_END("Python 1-task workflow, execute to result (p50 / p99)");

    private final String label;

    Figure(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The DESIGN §10 target for this figure on {@code setup}, or the reference figure it quotes; "-" if none. */
    String target(Setup setup) {
        boolean pg = setup.postgres();
        boolean full = setup.sqliteDurable();
        return switch (this) {
            case RAW_THROUGHPUT -> "reference: " + (pg ? "~3,300-3,650" : full ? "~2,600" : "~11,000")
                    + " tasks/s on DESIGN's 2 cores";
            case RAW_COMMIT_LATENCY, RAW_ENGINE_ROWS, RAW_ENGINE_ROWS_LATENCY, JAVA_ONE_THROUGHPUT_ONE_CLIENT,
                    JAVA_ONE_VS_ENGINE_ROWS, MACHINE_CPU_PER_TASK, ONE_TASK_VS_ENGINE_ROWS -> "-";
            case JAVA_ONE_THROUGHPUT, JAVA_CHAIN_THROUGHPUT -> ">= " + (pg ? "4,000" : full ? "2,500" : "8,000")
                    + " tasks/s";
            case PYTHON_ONE_THROUGHPUT, PYTHON_CHAIN_THROUGHPUT -> ">= 50% of Java";
            case DISPATCH_LATENCY -> pg ? "- (SQLite: p50 <= 2, p99 <= 10 ms)" : "p50 <= 2 ms, p99 <= 10 ms";
            case CHAIN_END_TO_END -> pg ? "- (SQLite: <= 50 ms)" : "<= 50 ms";
            case ONE_TASK_END_TO_END -> pg ? "p50 <= 1.5 ms" : "- (PostgreSQL: p50 <= 1.5 ms)";
            case ONE_TASK_VS_COMMITS_BETWEEN -> pg ? "<= 1.5x (issue 12)" : "-";
            case PYTHON_ONE_TASK_END_TO_END -> "-";
            // The targets are for PostgreSQL and SQLite NORMAL (a PostgreSQL setup flushes fully too).
            case JAVA_VS_RAW_BETWEEN -> full && !pg ? "-" : ">= 75% / >= 130% (issue 12)";
        };
    }
}
