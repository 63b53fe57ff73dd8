/* main.c — the admin CLI `assay`: global options, the command table (name, usage, help of each
 * command; the commands live in the cmd_*.c files) and dispatch. cli.h says what is shared. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;
    const char *args;
    const char *summary;
    const char *help;
    int min_args, max_args;
    cli_cmd_fn *fn;
    bool own_options; /* fn parses its own options: it gets argv with the command name first */
} s_cmd_t;

static void s_global_usage(FILE *out);

static const s_cmd_t s_cmds[] = {
    {"ping", "", "check that the engine answers",
     "Prints the engine's version, uptime and worker count.\n", 0, 0, cmd_ping, false},
    {"put", "FILE", "store an assessment definition (JSON) from FILE ('-': stdin)",
     "Reads an assessment definition in JSON (proto/PROTOCOL.md, \"Assessment definition\"),\n"
     "validates and compiles it in the engine, and stores it. Putting an existing id replaces it\n"
     "and increments its version. Needs the admin socket.\n"
     "Example: assay put examples/quiz.json\n",
     1, 1, cmd_put, false},
    {"import",
     "PATH... [--dry-run] [--replace] [--skip-invalid] [--prefix P] [--id ID] [--score-outcome ID] "
     "[--graded-max N]",
     "import QTI 2.x items, tests and content packages",
     "Imports QTI 2.0 / 2.1 / 2.2 XML as assessments: an assessmentItem file (one assessment of\n"
     "one item, id = the item's identifier, or --id), an assessmentTest file with the items it\n"
     "refers to (its directory is sent; id = the test's identifier, or --id), a directory of\n"
     "such files, or an IMS content package (.zip with imsmanifest.xml: every item and test it\n"
     "lists). The engine converts; each PATH is stored all or nothing: every file refused is\n"
     "listed (its file, line, element and reason) and nothing is stored. --skip-invalid stores\n"
     "the files that convert, lists the others and exits 4 (a test whose item is refused is\n"
     "refused with it). --dry-run shows what would be stored and what is refused, and stores\n"
     "nothing. An import that would replace an assessment already stored is refused, naming\n"
     "its version and stored responses, unless --replace (the dry run says what it would\n"
     "replace). An item with no SCORE outcome scores by --score-outcome when it declares it,\n"
     "else by the one numeric outcome its processing sets, else not at all (its outcomes are\n"
     "computed; listed). A test scores into SCORE, or --score-outcome (TOTAL_SCORE), else the\n"
     "sum of its items. An item without response processing (an essay, an upload) whose score\n"
     "outcome declares normalMaximum is graded by people on 0..that max; without one it is not\n"
     "scorable, or graded on 0..N with --graded-max N (1..100; listed either way). A max\n"
     "nothing declares is computed from the processing, or shown \"-\" (not known); an item\n"
     "that can score above its declared max is stored with a warning.\n"
     "--prefix P puts P before the id of every assessment the import creates (one bank twice,\n"
     "or two banks whose identifiers collide).\n"
     "PROTOCOL.md \"Importing QTI\" has the mapping. Needs the admin socket.\n"
     "Example: assay import tests/qti/items --dry-run\n",
     1, 64, cmd_import, true},
    {"export", "ID --qti DIR|FILE.zip", "write an assessment as QTI 2.1",
     "Writes assessment ID as QTI 2.1 into DIR (created) or FILE.zip: items/ITEM.xml for each\n"
     "item (responses, outcomes, the standard template or the item's response processing, and\n"
     "the title, body and feedback an import kept), a test.xml of the items in order with\n"
     "their weights and the assessment's outcome processing, and an imsmanifest.xml listing\n"
     "the test. assay's own settings (pass ratio, attempts, time limits; an item's skills and\n"
     "kt_threshold) travel in <?assay ...?> instructions. Importing it (assay import) gives\n"
     "back the definition exported.\n"
     "Example: assay export quiz-demo --qti quiz.zip\n",
     1, 3, cmd_export, true},
    {"get", "ID", "print an assessment's definition with its version and max score",
     "Prints the definition as it was put, plus version and max_score, as JSON.\n", 1, 1, cmd_get,
     false},
    {"list", "[--limit N] [--cursor C] [--all]", "list assessments",
     "Lists assessments in id order, a page of --limit (default 50, at most 200) at a time.\n"
     "--cursor continues after a page; --all follows the cursors to the end.\n",
     0, 5, cmd_list, true},
    {"delete", "ID [--force]", "delete an assessment",
     "Deletes an assessment and its compiled table. One with stored responses is refused\n"
     "(conflict) unless --force; its stored responses are kept either way (assay responses,\n"
     "assay response). Needs the admin socket.\n",
     1, 2, cmd_delete, true},
    {"score", "ID [ANSWERS.json | -] [--detail]", "score one response (nothing is stored)",
     "Scores a JSON object of answers {\"item_id\": value | [values]} read from the file or "
     "stdin.\n"
     "An item with several responses takes {\"response_id\": value, ...}. Unanswered items score\n"
     "what their response processing gives a missing response (0 for the standard rules).\n"
     "--detail adds each item's score and its outcomes (and the assessment's own outcomes).\n"
     "Example: echo '{\"q1\": \"B\"}' | assay score quiz1\n",
     1, 3, cmd_score, true},
    {"batch", "ID FILE", "score a JSON array of responses in one request",
     "Scores up to 100,000 responses (a JSON array of answer objects) and prints the summary;\n"
     "with --json, every score.\n",
     2, 2, cmd_batch, false},
    {"submit", "ID LEARNER [ANSWERS.json | -] [--key KEY]", "score and store a learner's response",
     "Scores the answers (a JSON object, from the file or stdin) and stores them for the learner;\n"
     "prints the response id, the attempt number and the score once the engine has committed it.\n"
     "--key makes the submission idempotent: resending with the same key returns the original\n"
     "result and stores nothing new.\n"
     "Example: echo '{\"capital\": \"paris\"}' | assay submit quiz-demo ana --key try-1\n",
     2, 5, cmd_submit, true},
    {"attempt",
     "start ASSESSMENT LEARNER | save ID [ANSWERS|-] [--seq N] | submit ID [ANSWERS|-] | get ID "
     "| list ASSESSMENT [--learner L] [--state S] [--all] | abandon ID",
     "an exam attempt: start (or resume), save answers, submit, read, list",
     "start: the learner's unfinished attempt at the assessment (resumed, with its saved\n"
     "answers), else a new one; the deadline is the server's. save: merges a JSON object of\n"
     "answers into the saved ones (null clears an item; --seq N: a save with a seq not above the\n"
     "highest applied is a stale tab and changes nothing). submit: merges any answers given (a\n"
     "file, or piped in on stdin as for save; nothing piped: the saved answers as they are),\n"
     "scores the saved answers and stores them as the learner's response (a second submit returns\n"
     "the first result). get, list (--state in_progress, overdue, submitted, abandoned).\n"
     "abandon (admin): ends it unscored.\n"
     "Example: assay attempt start final ana && echo '{\"q1\": \"A\"}' | assay attempt save 7\n",
     2, 12, cmd_attempt, true},
    {"override", "ASSESSMENT LEARNER [--extra-time S] [--extra-attempts N] [--close-at T]",
     "set a learner's accommodations at an assessment",
     "Extra time for the attempts the learner starts from now on (an attempt already running\n"
     "keeps its deadline), extra attempts, and a close_at of their own (RFC 3339). A second\n"
     "override replaces the first. Needs the admin socket.\n",
     2, 8, cmd_override, true},
    {"grade", "RESPONSE ITEM RATER SCORE [--comment TEXT]",
     "grade an answer to a graded item, as a rater",
     "Stores RATER's grade SCORE (a point of the item's scale) of response RESPONSE's answer to\n"
     "graded ITEM; a rater's second grade of it replaces the first (every grade is kept). Prints\n"
     "the answer's state: awaiting (more raters), disputed (raters apart beyond the item's\n"
     "tolerance: the next grade, an adjudicator's, is final) or resolved, with the item's score,\n"
     "and the response's score once every graded item it answered is resolved. Raters named\n"
     "auto:... are automatic judges: their grades never resolve anything.\n"
     "Example: assay grade 7 essay ana 3 --comment \"clear, one step missing\"\n",
     4, 6, cmd_grade, true},
    {"grades", "[--assessment ID] [--response N] [--rater R] [--limit N] [--all]",
     "list people's latest grades",
     "Lists each rater's latest grade of each answer (an assessment's, a response's, a rater's,\n"
     "or every one), by response, item and rater, a page of --limit (default 50) at a time;\n"
     "--all follows the cursors to the end. Each row: response, item, rater, score, how many\n"
     "times the rater graded it (revision), comment.\n"
     "Example: assay grades --assessment essays --rater ana --all\n",
     0, 11, cmd_grades, true},
    {"grade-next", "ID RATER [--item ITEM] [--lease SECONDS]",
     "the next answer a rater may grade, leased to it",
     "Prints the first answer of assessment ID (of ITEM only with --item) that RATER has not\n"
     "graded, that still waits for people and that no other rater holds: its response, item,\n"
     "scale and rubric, never the other raters' grades. It is leased to RATER for --lease\n"
     "seconds (1..3600, default 120): no one else is offered it meanwhile; RATER's grade ends\n"
     "the lease, and asking again before it ends offers the same answer. An automatic judge\n"
     "(auto:...) is offered any answer still waiting for people.\n"
     "Example: assay grade-next essays ana --lease 600\n",
     2, 6, cmd_grade_next, true},
    {"agreement", "ID [--item ITEM]", "how well the raters of an assessment's graded items agree",
     "Prints per graded item (or ITEM only) how many answers people graded and how many grades\n"
     "they gave, the share of two people's grades of one answer that are equal (exact) or within\n"
     "one step (adjacent), Krippendorff's alpha (nominal, ordinal, interval), then for every two\n"
     "people who graded answers in common Cohen's kappa and the quadratic-weighted kappa, and for\n"
     "each automatic judge (auto:...) the same against the people. From each rater's latest\n"
     "grade; instant: the engine keeps the counts current at every grade ('-': not defined).\n"
     "Example: assay agreement essays --item e1\n",
     1, 3, cmd_agreement, true},
    {"responses", "ID [--learner L] [--limit N] [--all]",
     "list stored responses in submission order",
     "Lists an assessment's stored responses (one learner's with --learner), a page of --limit\n"
     "(default 50) at a time; --all follows the cursors to the end. --json prints each response\n"
     "with its answers.\n",
     1, 8, cmd_responses, true},
    {"response", "ID", "show one stored response: its answers and item scores",
     "Prints a stored response (assay submit, assay responses): learner, attempt, version,\n"
     "score and when it was submitted, then each answer as it was submitted and each item's\n"
     "score and outcomes (scored again from the answers while the assessment is still at the\n"
     "response's version; a newer version shows no item scores). --json prints it whole.\n"
     "Example: assay response 17\n",
     1, 1, cmd_response, false},
    {"report", "ID", "item analysis of an assessment (latest attempt per learner)",
     "Prints n, mean, sd, min, max and Cronbach's alpha of the learners' latest attempts, a text\n"
     "histogram of their totals, and per item the mean score, p-value, corrected item-total\n"
     "discrimination and omitted rate (proto/PROTOCOL.md gives the formulas). Instant: the\n"
     "engine keeps the statistics current at every submission.\n",
     1, 1, cmd_report, false},
    {"regrade", "ID [--dry-run] [--wait]",
     "re-score every stored response with the current version",
     "Starts a background job that re-scores the assessment's stored responses with its current\n"
     "version, in chunks (scoring and submissions go on meanwhile), updates their stored scores,\n"
     "rebuilds the report's statistics and announces each changed score. Prints the job id;\n"
     "--wait follows it with a progress bar and prints the result (exit 1 if it failed).\n"
     "--dry-run changes nothing: the job counts what would change and lists the first changes.\n"
     "Needs the admin socket.\n"
     "Example: assay regrade quiz-demo --dry-run --wait\n",
     1, 3, cmd_regrade, true},
    {"job", "JOB", "show a background job's state, progress and result",
     "Prints a job (assay regrade): queued, running, done or failed, its progress, and its\n"
     "result or error. Exit status 1 when the job failed.\n",
     1, 1, cmd_job, false},
    {"jobs", "[--limit N] [--cursor C] [--all]", "list background jobs with their state",
     "Lists every job (regrade, recompute, fit, model recompute), oldest first, with its kind,\n"
     "state (queued, running, done, failed), what it works on and its progress, a page of\n"
     "--limit (default 50, at most 200) at a time; --all follows the cursors to the end.\n"
     "assay job ID shows one with its result.\n",
     0, 5, cmd_jobs, true},
    {"skill-put", "FILE",
     "store a skill's knowledge-tracing parameters (JSON) from FILE ('-': stdin)",
     "Reads {\"id\", \"prior\", \"learn\", \"forget\", \"guess\", \"slip\", "
     "\"mastery_threshold\"?}\n"
     "(probabilities; guess and slip below 1; mastery_threshold default 0.95). New parameters\n"
     "apply to future updates; assay recompute SKILL replays the stored responses with them.\n"
     "Items name skills with \"skills\": [ids] in an assessment definition. Needs the admin "
     "socket.\n"
     "Example: echo '{\"id\":\"add\",\"prior\":0.3,\"learn\":0.1,\"forget\":0,\"guess\":0.2,"
     "\"slip\":0.1}' | assay skill-put -\n",
     1, 1, cmd_skill_put, false},
    {"skill", "ID", "show a skill's parameters", "Prints a skill's BKT parameters.\n", 1, 1,
     cmd_skill, false},
    {"skills", "[--limit N] [--cursor C] [--all]", "list skills",
     "Lists skills in id order with their parameters, a page at a time; --all follows the\n"
     "cursors to the end.\n",
     0, 5, cmd_skills, true},
    {"skill-delete", "ID", "delete a skill no assessment uses",
     "Deletes a skill. Refused (conflict) while an assessment's item names it. Needs the admin\n"
     "socket.\n",
     1, 1, cmd_skill_delete, false},
    {"mastery", "LEARNER [SKILL] [--model ID]",
     "a learner's mastery of every skill practised, or of one; or a deep model's view",
     "Prints, per skill, the probability of mastery after the learner's last answer, the\n"
     "probability of a right next answer, the number of observations and whether it is at or\n"
     "above the skill's mastery threshold. Updated by every submission, in its transaction.\n"
     "With --model, a deep model's (assay model-put) probability of a right next answer for\n"
     "every concept, from the learner's state after their last answer.\n",
     1, 4, cmd_mastery, true},
    {"mastery-distribution", "[SKILL]", "how learners' mastery of each skill is spread",
     "Prints, per skill (or for one), the learners with a state of it, how many have mastered\n"
     "it, their mean probability of mastery and how many fall in each tenth of [0, 1]. The\n"
     "engine scans every learner's states to answer (its time grows with the learners).\n",
     0, 1, cmd_mastery_distribution, false},
    {"model-put",
     "ID FILE --kind dkt|dkvmn [--concepts FILE | --concepts-prefix P] [--title T] "
     "[--max-learners N]",
     "store a deep knowledge tracing model (DKT or DKVMN) trained with pyKT",
     "Reads FILE, a safetensors file holding a pyKT DKT or DKVMN state_dict (float32; what\n"
     "tools/kt/train.py writes), and stores it as model ID (a new version if ID exists: every\n"
     "learner then starts from the model's initial state until assay model-recompute ID).\n"
     "Its concepts are the skill ids of its concept indexes, in order: a JSON array file, or\n"
     "P0, P1, ... for every concept of the file (default skill-, as assay replay names them).\n"
     "Submissions then step the model for every answer to an item naming one of its concepts\n"
     "and return its predictions under \"models\". --max-learners bounds the learners whose\n"
     "state is kept (further learners get no prediction). Needs the admin socket.\n"
     "Example: assay model-put dkt dkt.safetensors --kind dkt\n",
     2, 11, cmd_model_put, true},
    {"model", "ID [--weights FILE]", "show a deep model: kind, sizes, learners",
     "Prints a model's kind, sizes (concepts C; DKT's hidden size H and embedding size E, or\n"
     "DKVMN's D and memory slots M), the bytes of a learner's state and the learners holding\n"
     "one. --weights FILE writes the safetensors file as it was put.\n",
     1, 3, cmd_model, true},
    {"models", "[--limit N] [--cursor C] [--all]", "list deep models",
     "Lists models in id order, a page at a time; --all follows the cursors to the end.\n", 0, 5,
     cmd_models, true},
    {"model-delete", "ID", "delete a deep model and every learner's state of it",
     "Deletes a model and its learners' states. Needs the admin socket.\n", 1, 1, cmd_model_delete,
     false},
    {"model-recompute", "ID [--wait]", "replay every stored answer through a model (a job)",
     "Starts a background job that replays every stored response, in submission order, through\n"
     "the model's current version into new learner states, which replace the old ones when it\n"
     "is done (submissions go on meanwhile). --wait follows it with a progress bar. Needs the\n"
     "admin socket.\n",
     1, 2, cmd_model_recompute, true},
    {"recompute", "SKILL [--wait]", "recompute every learner's mastery of a skill (a job)",
     "Starts a background job that replays every stored response in submission order with the\n"
     "skill's current parameters; the new states replace the old ones when it is done (mastery\n"
     "reads and submissions go on meanwhile). --wait follows it with a progress bar.\n",
     1, 2, cmd_recompute, true},
    {"fit", "[SKILL] [--forgets] [--restarts N] [--seed N] [--no-bounds] [--apply] [--wait]",
     "fit knowledge-tracing parameters to the stored answers (a job)",
     "Starts a background job that fits BKT's parameters (prior, learn, guess, slip, and forget\n"
     "with --forgets) to every stored answer of SKILL, or of every skill, by EM: --restarts\n"
     "starts (default 5) from --seed (default 1); the same data and seed give the same\n"
     "parameters. Guess and slip stay below 0.5 unless --no-bounds. --apply stores the fitted\n"
     "parameters and recomputes every learner's mastery with them, in the same job. --wait\n"
     "follows it with a progress bar and prints each skill's parameters, likelihood and notes.\n"
     "Needs the admin socket.\n"
     "Example: assay fit --forgets --apply --wait\n",
     0, 9, cmd_fit, true},
    {"kt-eval",
     "FILE [--learners PREFIX] [--keep-skills] [--limit N] [--inflight N] [--assayd PATH] "
     "[--model FILE --kind K | --model-id ID]",
     "evaluate knowledge tracing on an answer stream: AUC, RMSE, log loss, accuracy",
     "Replays an ASSISTments file (as replay does) and scores each answer's prediction, the\n"
     "probability of a correct answer the engine gave before it saw the answer (`predicted`),\n"
     "against the answer: AUC, RMSE, log loss and accuracy, overall and per skill (--json for\n"
     "scripts). Without -d or -e it starts a scratch assayd on a temporary directory (--assayd,\n"
     "else $ASSAYD, else the one beside assay) with the default parameters; with them it uses\n"
     "that engine: --keep-skills keeps the parameters of skills already there (fitted ones), and\n"
     "--learners names the learners PREFIX<student> (default s) so that a test file's students\n"
     "are not taken for a training file's.\n"
     "--model FILE --kind dkt|dkvmn stores a deep model (as model-put, concepts skill-<id>) and\n"
     "scores its predictions instead of BKT's; --model-id ID scores a model already stored.\n"
     "Example: assay -d DIR replay data/assist2009/builder_train_long.csv.gz &&\n"
     "         assay -d DIR fit --forgets --apply --wait &&\n"
     "         assay -d DIR kt-eval data/assist2009/builder_test_long.csv.gz --keep-skills "
     "--learners t\n",
     1, 18, cmd_kt_eval, true},
    {"replay",
     "FILE [--inflight N] [--limit N] [--prior P --learn L --forget F --guess G --slip S]",
     "replay a real answer stream, then summarise mastery per skill",
     "Replays an ASSISTments file (data/ of the repository: the assist2009 long CSV, or the "
     "assist2015\n"
     "lists; gzip or plain) through the engine: one skill and one single-item assessment per\n"
     "skill (skill-<id>, with the parameters given, default prior 0.3, learn 0.1, forget 0, guess\n"
     "0.2, slip 0.1), each learner's answers submitted in order, --inflight learners at a time\n"
     "(default 256), with a progress bar (rate and ETA). Then prints per skill the learners, "
     "their\n"
     "mean mastery and the share who mastered it. Needs the admin socket.\n"
     "Example: assay replay data/assist2009/builder_train_long.csv.gz\n",
     1, 16, cmd_replay, true},
    {"watch", "[TOPIC...] [--seconds S]", "print notifications as they arrive, one per line",
     "Subscribes to the engine's notifications (all of them, or the topics given: prefixes such\n"
     "as score.quiz-demo, assessment., mastery.) and prints each as TOPIC JSON on one line, until\n"
     "Ctrl-C or --seconds. With several engines (--engine DIR,DIR or events endpoints), the\n"
     "notifications of all of them, each naming its engine (node). A gap in an engine's seq (a\n"
     "subscriber that fell behind) is reported on stderr: resync with a read. Once subscribed it\n"
     "says so on stderr (assay watch: subscribed to ...); subscriptions then take a moment to\n"
     "reach the engine.\n"
     "Example: assay watch score. assessment.\n",
     0, 64, cmd_watch, true},
    {"keygen", "NAME", "write a CURVE certificate pair: NAME (public) and NAME_secret",
     "Writes a new CURVE key pair as czmq certificates: NAME holds the public key (give it to\n"
     "the other side: a client's goes into the server's --curve-clients or --curve-admin-clients\n"
     "directory, the server's is the clients' --server-key), NAME_secret the secret key (mode\n"
     "0600: assayd --curve-secret, or a client's --curve-cert). Existing files are not\n"
     "overwritten. Needs no engine.\n"
     "Example: assay keygen /etc/assay/server && assay keygen ./app1\n",
     1, 1, cmd_keygen, false},
    {"stats", "", "print request counts, latency percentiles and data map use",
     "Per method: requests, errors and latency percentiles measured inside the engine.\n", 0, 0,
     cmd_stats, false},
};
#define S_NCMDS (sizeof s_cmds / sizeof s_cmds[0])

static void s_global_usage(FILE *out)
{
    fprintf(out,
            "Usage: assay [-d DIR | -e ENDPOINT] [--json] [--timeout MS] COMMAND [ARGS]\n"
            "Administer and query an assay scoring engine (assayd).\n"
            "\n"
            "Options:\n"
            "  -d, --data DIR       the engine's data directory (default: $ASSAY_DATA, else "
            "./var/assay);\n"
            "                       the CLI uses DIR/admin.sock when it may, else DIR/engine.sock\n"
            "  -e, --endpoint EP    a ZeroMQ endpoint instead (ipc://PATH or tcp://HOST:PORT)\n"
            "      --engine EP,EP   several engines on one database (--endpoint takes them too):\n"
            "                       each request goes to its learner's engine (rendezvous\n"
            "                       hashing) and on no answer or `unavailable` to the next; DIRs\n"
            "                       in the list are data directories; --timeout bounds it all\n"
            "      --json           print results as JSON, for scripts\n"
            "      --timeout MS     how long to wait for the engine (default 5000)\n"
            "      --curve-cert F   CURVE over tcp: this client's certificate (NAME_secret)\n"
            "      --server-key K   CURVE: the server's public key (40 characters) or certificate\n"
            "  -h, --help           show this help; 'assay COMMAND --help' shows a command's help\n"
            "  -V, --version        show the version\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < S_NCMDS; i++)
        fprintf(out, "  %-8s %s\n", s_cmds[i].name, s_cmds[i].summary);
    fprintf(out,
            "\n"
            "Exit status: 0 ok; 1 the engine answered with an error (printed as CODE: message);\n"
            "2 bad usage or unreadable input; 3 engine unreachable; 4 done in part (import\n"
            "--skip-invalid stored the valid files and refused others).\n"
            "\n"
            "Examples:\n"
            "  assay put examples/quiz.json\n"
            "  assay score quiz-demo examples/answers.json --detail\n"
            "  assay --json list --all\n"
            "  echo '{\"capital\": \"paris\"}' | assay submit quiz-demo ana\n"
            "  assay responses quiz-demo --learner ana\n");
}

static void s_cmd_usage(FILE *out, const s_cmd_t *c)
{
    fprintf(out, "Usage: assay [OPTIONS] %s %s\n%s.\n\n%s", c->name, c->args, c->summary, c->help);
    fprintf(out, "\nSee 'assay --help' for the global options and exit statuses.\n");
}

int main(int argc, char **argv)
{
    cli_t cli = {.timeout_ms = 5000};
    const char *data = getenv("ASSAY_DATA");
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'},       {"endpoint", required_argument, 0, 'e'},
        {"engine", required_argument, 0, 'e'},     {"json", no_argument, 0, 'j'},
        {"timeout", required_argument, 0, 't'},    {"curve-cert", required_argument, 0, 'c'},
        {"server-key", required_argument, 0, 'k'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},          {0, 0, 0, 0}};
    int c;
    /* '+': stop at the command name, its options are its own */
    while ((c = getopt_long(argc, argv, "+d:e:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'e':
            cli.target = optarg;
            break;
        case 'j':
            cli.json = true;
            break;
        case 't': {
            char *end;
            long t = strtol(optarg, &end, 10);
            if (*end || t < 1 || t > 3600000) {
                fprintf(stderr, "assay: --timeout: expected milliseconds, 1..3600000\n");
                return EXIT_USAGE;
            }
            cli.timeout_ms = (int)t;
            break;
        }
        case 'c':
            cli.curve_cert = optarg;
            break;
        case 'k':
            cli.server_key = optarg;
            break;
        case 'h':
            s_global_usage(stdout);
            return 0;
        case 'V':
            printf("assay 0.1.0 (protocol 1)\n");
            return 0;
        default:
            fprintf(stderr, "Try 'assay --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        s_global_usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        if (optind + 1 >= argc) {
            s_global_usage(stdout);
            return 0;
        }
        name = argv[optind + 1];
        for (size_t i = 0; i < S_NCMDS; i++)
            if (strcmp(s_cmds[i].name, name) == 0) {
                s_cmd_usage(stdout, &s_cmds[i]);
                return 0;
            }
        fprintf(stderr, "assay: no command \"%s\"; try 'assay --help'\n", name);
        return EXIT_USAGE;
    }
    const s_cmd_t *cmd = NULL;
    for (size_t i = 0; i < S_NCMDS; i++)
        if (strcmp(s_cmds[i].name, name) == 0) cmd = &s_cmds[i];
    if (!cmd) {
        fprintf(stderr, "assay: no command \"%s\"; try 'assay --help'\n", name);
        return EXIT_USAGE;
    }
    int cargc = argc - optind;
    char **cargv = argv + optind;
    for (int i = 1; i < cargc; i++)
        if (strcmp(cargv[i], "--help") == 0 || strcmp(cargv[i], "-h") == 0) {
            s_cmd_usage(stdout, cmd);
            return 0;
        }
    /* Commands with options parse their own argv (cargv[0] is the command); the others take
     * positional arguments only. */
    bool own_opts = cmd->own_options;
    if (!own_opts && (cargc - 1 < cmd->min_args || cargc - 1 > cmd->max_args)) {
        fprintf(stderr, "usage: assay %s %s\n", cmd->name, cmd->args);
        return EXIT_USAGE;
    }
    cli.target_given = cli.target || (data && *data);
    if (!cli.target) cli.target = data && *data ? data : "./var/assay";
    msgpack_sbuffer_init(&cli.sb);
    msgpack_packer_init(&cli.pk, &cli.sb, msgpack_sbuffer_write);
    int rc = own_opts ? cmd->fn(&cli, cargc, cargv) : cmd->fn(&cli, cargc - 1, cargv + 1);
    msgpack_sbuffer_destroy(&cli.sb);
    assay_close(&cli.conn);
    return rc;
}
