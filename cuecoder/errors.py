"""Every user-facing message of cuecoder, in one place (spaCy's ``Errors`` habit).

A message names the bad value and, where there is a closed set, lists the valid ones.
Every message reaches the user with its code in front (``[E101] Column 'txt' is not in
...``), so a report can be searched for. Codes are stable: a message may be reworded,
its code is never reused, and one message has one code.
"""

from __future__ import annotations


class _WithCodes(type):
    """Read ``Errors.E101`` as ``"[E101] <message>"`` (spaCy's ``ErrorsWithCodes``)."""

    def __getattribute__(cls, code: str) -> str:
        message = super().__getattribute__(code)
        if code.startswith("_") or not isinstance(message, str):
            return message
        return f"[{code}] {message}"


class CuecoderError(ValueError):
    """A user error: bad input, a bad model folder, a missing optional dependency."""


class ModelError(CuecoderError):
    """A model folder that is incomplete, tampered with or of an unknown format."""


class Errors(metaclass=_WithCodes):
    # --- models (E0xx)
    E001 = "Can't find a model folder at '{path}'. Pass the path to a folder with a meta.json."
    E002 = "Model meta.json at '{path}' lacks the field(s) {fields}. Required: {required}."
    E003 = (
        "Model file '{name}' in '{path}' does not match its checksum in meta.json "
        "(expected sha256 {expected}, found {found}). The file is corrupt or was changed."
    )
    E004 = "Model file '{name}' listed in meta.json is missing from '{path}'."
    E005 = "Can't read meta.json at '{path}': {reason}."
    E007 = (
        "Model '{path}' was built for another feature set: its meta.json lists {found} "
        "features, this cuecoder computes {expected} ({names})."
    )
    E008 = "Model meta.json at '{path}' names '{name}', a path outside the model folder."
    E009 = "Unknown evidence pattern kind {kind!r} in '{path}'. Valid: {valid}."
    E011 = (
        "The encoder '{path}' does not match the contract in meta.json: the graph has "
        "inputs {inputs} and output dimension {dim}; the contract says {contract}."
    )
    E012 = (
        "Unknown text profile: language {language!r} with rules {rules!r}. "
        "Valid rules: {valid}; 'social' needs a language with spaCy's rule-based tokenizer."
    )
    E013 = (
        "Model meta.json at '{path}' names '{name}' but has no checksum for it in 'files'; "
        "every file a model uses must be checksummed."
    )
    E006 = (
        "The stored head '{path}' differs from the scikit-learn model it came from by "
        "{diff:.2e} (tolerance {tol:g}): the export is not faithful."
    )
    # untrusted model folders (E014-E029)
    E014 = "Model meta.json at '{path}': field '{field}' must be {expected}; found {found}."
    E015 = (
        "Model meta.json at '{path}': '{field}' has no entry for label(s) {missing}; "
        "every label in {labels} needs one."
    )
    E016 = (
        "Model file '{name}' in '{path}' has {size:,} bytes, above the {limit:,}-byte limit "
        "for {kind} files: a model folder is untrusted input, so it is refused unread."
    )
    E017 = (
        "Model meta.json at '{path}' names '{name}' as {role}, which must be a {kind} "
        "file: a model folder holds ONNX, JSON and TSV files only."
    )
    E018 = (
        "Model '{name}' at '{path}' has no cross-encoder, which accurate=True (--accurate) "
        "needs: train one with a [cross_encoder] table in the config, or load without it."
    )

    # --- input (E1xx)
    E101 = "Column '{column}' is not in {source}. Columns there: {available}."
    E102 = "Unsupported file extension '{suffix}' for '{path}'. Supported: {supported}."
    E103 = "'contexts' has {n_contexts} entries but 'replies' has {n_replies}; give one per reply."
    E104 = "Unknown value {value!r} for '{name}'. Valid: {valid}."
    E105 = "Can't read '{path}': {reason}."
    E120 = (
        "The models {first} and {second} code different labels ({labels_first} vs "
        "{labels_second}); models loaded together must code the same labels."
    )
    E121 = "Unknown value {value!r} for 'languages'. Valid: 'auto' (route, flag the rest) or 'any'."
    E112 = (
        "No data folder given: pass data_dir (--data-dir) or set {env} to the folder "
        "holding twcs/, ibm_twitter_cdp/ and stc3_weibo/."
    )
    E111 = "Unknown source(s) {values} in the real corpora. Valid: {valid}."
    E106 = "No input files found under '{path}' (looked for {supported})."
    E107 = "Invalid --shard '{value}': use i/N with 0 <= i < N, e.g. 0/4."
    E108 = "Column '{column}' of {source} must hold 0/1 codes; found {values}."
    E109 = "{source} has {n} repeated ids in '{column}', e.g. {examples}; give each id once."
    E110 = (
        "No {what}: the scores have {scores} and the codes have {codes}. "
        "Codes need a 0/1 column named after a cue, scores a '<cue>_label' column."
    )

    # --- batch scoring (E5xx)
    E501 = (
        "'{parts}' holds the parts of an earlier run with other settings (changed: {changed}). "
        "Run again with the same arguments to resume, or pass --restart to start over."
    )
    E507 = "The template index of this run did not reach Dask worker '{worker}'."
    E503 = "Column '{column}' in '{path}' has type {dtype}; {role} must hold text (strings)."
    E504 = "--scheduler needs --engine dask; the local engine runs on this machine only."
    E505 = "The output '{out}' is also an input file; choose another --out."
    E506 = "Scoring chunk {seq} of '{path}' failed: {reason}"
    # outputs (E508-E519)
    E508 = (
        "Another run is writing '{out}': process {pid} on host '{host}' since {started} "
        "holds '{lock}'. Wait for it, or choose another --out; if that process is gone "
        "and the file is on a network drive, delete the lock file."
    )
    E509 = "The {what} '{path}' of output '{out}' is also an input file; choose another --out."
    # quarantine reasons: one line each, written next to the row's file and line
    E520 = "unparseable CSV record: {reason}"
    E521 = "the line has {found} fields, the header {expected}"
    E522 = "invalid JSON: {reason}"
    E523 = "a JSON line must be an object, not {kind}"
    E524 = "{role} holds a {kind}, not text"
    E525 = "missing text: the reply is absent, empty or whitespace"
    E526 = "missing id"
    # dirty corpora (E527-E539)
    E527 = (
        "a quoted value runs over {limit} lines (a stray quote): the record's first line is "
        "quarantined and reading resumes at the next"
    )
    E529 = "not UTF-8 (line {line}, {where}); convert the file to UTF-8"
    E530 = "a repeated header line (files joined with cat?)"
    E532 = (
        "a quote that does not close where it should: read from here the record spans "
        "lines {first}-{last} with {found} fields (the header {expected}); this line is "
        "quarantined and reading resumes at the next"
    )
    E533 = (
        "a quote inside an unquoted value, in a line read again after a broken record: "
        "most likely the end of that record's quoted value"
    )
    E531 = "truncated last line, no newline at the end of the file (a crashed writer?): {reason}"

    # --- optional dependencies (E2xx)
    E201 = "{feature} requires {package}. Install it with: pip install '{extra}'"

    # --- templates (E4xx)
    E401 = "'{name}' has {n} entries but there are {n_texts} replies; give one per reply."
    E402 = "'{name}' must be in (0, 1]; got {value!r}."
    E403 = "This TemplateIndex is finalized; create a new one to add more replies."
    E404 = "Call TemplateIndex.finalize() after the last add() and before reading results."
    E405 = (
        "Corpus-evidence params have coefficients {found}; expected one per feature "
        "{expected}. Refit them with cuecoder.train.corpus_evidence.fit_corpus_evidence."
    )
    E406 = (
        "This model has no corpus-evidence params (meta.json 'corpus_evidence' is null): "
        "template columns are added but 'automated' stays the per-reply probability."
    )
    E407 = (
        "Template evidence from {n} replies is weaker than in the {n_fit}-reply corpus the "
        "combination was calibrated on: a unique reply in a small list says little."
    )
    E410 = "No replies in '{path}' (column '{column}' is empty)."

    # --- statistics (E3xx): mediation, SEM, aggregation
    E301 = (
        "Column '{column}' ({dtype}) is not numeric; {role} must hold numbers. "
        "Recode it, e.g. 0/1 for a yes/no variable."
    )
    E302 = (
        "Column '{column}' is constant ({value!r} in every complete row); it can't serve as {role}."
    )
    E303 = (
        "Only {n} complete rows ({dropped} of {total} dropped for missing values in {columns}); "
        "this model needs at least {minimum}."
    )
    E304 = (
        "Perfect collinearity in the model for '{dependent}': {columns} are linearly dependent. "
        "Drop or combine one of them."
    )
    E305 = (
        "Moderator '{column}' ({dtype}) is not numeric. Code it as numbers, e.g. 0/1 for "
        "automated, or pass a continuous score."
    )
    E306 = "Column '{column}' is given as both {first} and {second}; each variable has one role."
    E307 = "'{name}' must be {requirement}; got {value!r}."
    E309 = "Can't parse the SEM model description at line {line!r}: {reason}."
    E310 = (
        "The SEM model uses {missing} that are not columns of the data. Columns there: {available}."
    )
    E311 = "The SEM fit failed: {reason}. Check that the model is identified and the data vary."
    E312 = (
        "No cue columns found in the scored table (looked for {looked}). Columns there: "
        "{available}."
    )
    E313 = (
        "Joining on '{key}' matched no rows: the cue table has keys like {left} and the survey "
        "keys like {right}."
    )
    E314 = (
        "Key '{key}' is not unique in the survey table ({n} duplicated values, e.g. {examples}); "
        "give one survey row per {key}."
    )
    E316 = "Unknown moderator value(s) {values}: give numbers, e.g. [0, 1] for automated."
    # tiers, account profiles, comparisons, the corpus report (E350-E379)
    E350 = (
        "Unknown tier scheme {value!r}; valid: {valid}, or a dict of tier name -> lowest "
        "follower count, e.g. {{'small': 0, 'large': 50000}}."
    )
    E351 = "Tier cut-offs must start at 0 and increase strictly, one per tier; got {cutoffs}."
    E352 = (
        "Key '{key}' is not unique in the accounts table ({n} duplicated values, e.g. "
        "{examples}); give one row per account."
    )
    E353 = (
        "Grouping column '{column}' has {n} group(s) with accounts ({groups}); a comparison "
        "needs at least 2."
    )
    E354 = (
        "No accounts of the scored table are in the accounts table (key '{key}'): scored "
        "keys look like {left}, account keys like {right}."
    )
    E355 = "The scored table has no rows: nothing to report (read {path})."
    # mediation: HC errors, bad values, serial mediation, design-based correction (E320-E349)
    E320 = (
        "Column '{column}' has {n} infinite value(s), e.g. in row {example!r}; {role} must be "
        "finite. Replace them with numbers or with NaN (dropped listwise)."
    )
    E321 = (
        "Moderator '{column}' has only {n} complete row(s) with the value {level:g} (minimum "
        "{minimum}, set with min_level_rows): too few to estimate the moderated path there, and "
        "most bootstrap resamples would be singular. Collect more rows for that level or drop it."
    )
    E322 = (
        "serial=True (PROCESS model 6) needs 2 to {maximum} mediators and no moderator; got "
        "mediators {mediators} and moderator {moderator!r}."
    )
    E323 = (
        "None of the {n} coded keys in '{key}' is an account of the data: the codes have keys "
        "like {left}, the data keys like {right}."
    )
    E324 = (
        "'{column}' must be an inclusion probability in (0, 1] for every coded reply; found "
        "{values}. A probability of 0 means the reply could never have been drawn."
    )
    E325 = (
        "'{column}' differs within {n} account(s), e.g. {examples}; give one value per account "
        "(the account's inclusion probability)."
    )
    E326 = (
        "{n} coded account(s) have a single coded reply but more replies in all, e.g. {examples}: "
        "their within-account variance can't be estimated. Code at least 2 replies per account, "
        "or all of them (pi_reply = 1)."
    )
    E327 = (
        "Only {n} coded accounts: the cross-fitted calibration ({folds} folds, {p} predictors) "
        "needs at least {minimum}. Code more accounts (see cuecoder.stats.plan_coding)."
    )
    E328 = (
        "{dropped} of {total} bootstrap resamples ({share:.1%}) had a corrected moment matrix that "
        "is not positive definite, above the {limit:.0%} limit: the coded sample is too small "
        "for this model. Code more accounts or replies per account."
    )
    E329 = (
        "The corrected moment matrix of the equation for '{dependent}' is not positive definite: "
        "too few coded accounts for {columns}. Code more accounts."
    )
    E330 = "'key' is only used with 'codes' (the design-based correction); got key={key!r} alone."
    E332 = (
        "Can't draw {wanted} groups: '{by}' has {available} groups{within}. Ask for at most "
        "{available}."
    )


class Warnings(metaclass=_WithCodes):
    W001 = "Model '{name}' was built with cuecoder {built}; this is cuecoder {running}."
    W002 = "{n} of {total} replies were longer than {limit} tokens and were truncated."
    W003 = "{n} of {total} replies were empty, missing or not text; they are flagged in 'empty'."
    W120 = (
        "{n} of {total} replies are in languages no loaded model reads ({languages}); their "
        "scores are NaN and 'unsupported_language' is True. Models loaded: {models}."
    )
    W122 = (
        "accurate=True: the {languages} model '{name}' has no cross-encoder; its replies "
        "are scored by its frozen design alone."
    )
    W121 = (
        "languages='any': {n} of {total} replies in languages no loaded model reads "
        "({languages}) were scored by '{model}' anyway; their scores are not validated."
    )
    # tiers and the corpus report (W350-W379)
    W350 = (
        "{n} of {total} accounts have a missing or non-numeric follower count in '{column}' "
        "(e.g. {examples}); they are in no tier (tier is missing)."
    )
    W351 = (
        "{n} of {total} scored accounts are not in the accounts table (e.g. {examples}); "
        "they are in no tier."
    )
    # mediation (W320-W349)
    W320 = (
        "{dropped} of {total} bootstrap resamples ({share:.1%}) were dropped ({reason}); the "
        "interval comes from the rest. Above {limit:.0%} read it with care."
    )
    W321 = (
        "{n} coded account(s) are not among the analysed accounts (absent from the data, or "
        "dropped for missing values) and were ignored, e.g. {examples}."
    )
    # corpus reading and writing (W500-W519)
    W500 = (
        "{n} row(s) of '{path}' held lone UTF-16 surrogates (text cut inside an emoji?); "
        "they were replaced by U+FFFD and the rows scored."
    )
    W502 = (
        "Of {total} replies, {n_cut} were longer than {limit:,} characters and were cut "
        "there before scoring (flagged 'truncated'), and {n_repaired} held lone UTF-16 "
        "surrogates, replaced by U+FFFD."
    )
    W501 = (
        "Took over the lock '{lock}' left by process {pid} on host '{host}' (started "
        "{started}), which stopped without releasing it; its finished chunks are resumed."
    )
