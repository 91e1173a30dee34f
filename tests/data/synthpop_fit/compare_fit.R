# Reference figures for tests/test_inference_r.py: R synthpop's own lm.synds / glm.synds,
# summary.fit.synds and compare.fit.synds on the fixtures in this folder (real.csv: 300 rows of
# wage.csv; syn_1..syn_5.csv: m = 5 sets of 250 rows made by LocalSynth, make_fixtures.py).
#
# synthpop is not on CRAN here, so its R source is used directly: github.com/bnowok/synthpop at commit
# 9cc308184cd906d5176ff87b70d6c240ea0676c4 (version 1.9-3), files R/methods.syn.r and R/compare.syn.r.
# Only these functions are taken from them: lm.synds, glm.synds, checkcomplete, mcoefvar,
# summary.fit.synds, print.summary.fit.synds, compare.fit.synds, overlap.CI, print.compare.fit.synds
# (no plots: return.plot = FALSE). The synds object is built by hand with the fields those read.
#
#   git --git-dir=<synthpop.git> archive 9cc308184cd906d5176ff87b70d6c240ea0676c4 R | tar -x -C /tmp/sp
#   Rscript tests/data/synthpop_fit/compare_fit.R /tmp/sp/R > tests/data/synthpop_fit/compare_fit.Rout
#
# Run with R 4.2.2 (Debian r-base-core 4.2.2.20221110-2) and MASS 7.3-58.2 (ginv, for the lack-of-fit test).
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
library(MASS)
sp <- new.env()
for (f in c("methods.syn.r", "compare.syn.r")) sys.source(file.path(args[1], f), envir = sp)
for (fn in c("lm.synds", "glm.synds", "checkcomplete", "mcoefvar", "summary.fit.synds",
             "print.summary.fit.synds", "compare.fit.synds", "overlap.CI", "print.compare.fit.synds"))
  assign(fn, get(fn, envir = sp))
rm(sp)

# Factor levels: the reference level first, as LocalSynth's design (the level most frequent over the
# real and synthetic rows); the logistic model's outcome is health_ins == "1. Yes" (its most frequent
# level), so "2. No" is glm's first (failure) level.
prep <- function(d) {
  d$education <- factor(d$education, levels = c("2. HS Grad", "4. College Grad", "3. Some College",
                                                  "5. Advanced Degree", "1. < HS Grad"))
  d$jobclass <- factor(d$jobclass, levels = c("1. Industrial", "2. Information"))
  d$health_ins <- factor(d$health_ins, levels = c("2. No", "1. Yes"))
  d
}
read <- function(name) prep(read.csv(file.path(here, name), stringsAsFactors = FALSE))
realdata <- read("real.csv")
syns <- lapply(1:5, function(i) read(paste0("syn_", i, ".csv")))
vars <- names(realdata)
sds <- list(syn = syns, m = 5, n = nrow(realdata), k = nrow(syns[[1]]),
            method = setNames(rep("cart", length(vars)), vars),
            visit.sequence = setNames(seq_along(vars), vars), proper = FALSE)
class(sds) <- "synds"
options(digits = 10)

out <- NULL
collect <- function(model, what, tab) {
  rbind(out, data.frame(model = model, what = what, term = rownames(tab), tab, row.names = NULL,
                        check.names = FALSE))
}
fits <- list(
  linear = lm.synds(wage ~ age + education + jobclass, data = sds),
  logistic = glm.synds(health_ins ~ age + jobclass + wage, family = "binomial", data = sds))
for (model in names(fits)) {
  f <- fits[[model]]
  for (pi in c(FALSE, TRUE)) {
    s <- summary.fit.synds(f, population.inference = pi)   # incomplete = FALSE: all synthesised
    cat("\n==== ", model, ": summary, population.inference = ", pi, "\n", sep = "")
    print(s)
    tab <- s$coefficients[, 1:2, drop = FALSE]
    colnames(tab) <- c("a", "b")
    out <- collect(model, paste0("summary_pi", pi), tab)
    cf <- compare.fit.synds(f, realdata, population.inference = pi, return.plot = FALSE, print.coef = TRUE)
    cat("\n==== ", model, ": compare.fit, population.inference = ", pi, "\n", sep = "")
    print(cf)
    tab <- cbind(a = cf$coef.syn[, 2], b = cf$coef.diff[, 4])
    out <- collect(model, paste0("se_stddiff_pi", pi), tab)
    tab <- cbind(a = cf$ci.overlap[, 1], b = cf$coef.obs[, 2])
    out <- collect(model, paste0("overlap_realse_pi", pi), tab)
    tab <- cbind(a = cf$coef.obs[, 1], b = cf$coef.syn[, 1])
    out <- collect(model, paste0("real_syn_pi", pi), tab)
    tab <- matrix(c(cf$mean.abs.std.diff, cf$mean.ci.overlap, cf$lack.of.fit, cf$lof.pvalue), 2, 2,
                  byrow = TRUE, dimnames = list(c("mean_abs_std_diff|mean_ci_overlap",
                                                  "lack_of_fit|lof_pvalue"), c("a", "b")))
    out <- collect(model, paste0("means_pi", pi), tab)
  }
}

# proper = TRUE (synthpop's syn(..., proper = TRUE)): the same copies read as a proper synthesis, to
# record its population variance vars (1 + (n/k + 1)/m) and compare.fit's lack-of-fit for it
sds$proper <- TRUE
f <- lm.synds(wage ~ age + education + jobclass, data = sds)
s <- summary.fit.synds(f, population.inference = TRUE)
cat("\n==== linear, proper = TRUE: summary, population.inference = TRUE\n")
print(s)
tab <- s$coefficients[, 1:2, drop = FALSE]
colnames(tab) <- c("a", "b")
out <- collect("linear_proper", "summary_piTRUE", tab)
cf <- compare.fit.synds(f, realdata, population.inference = TRUE, return.plot = FALSE)
cat("\n==== linear, proper = TRUE: compare.fit, population.inference = TRUE\n")
print(cf)
tab <- cbind(a = cf$coef.syn[, 2], b = cf$ci.overlap[, 1])
out <- collect("linear_proper", "se_overlap_piTRUE", tab)
tab <- matrix(c(cf$lack.of.fit, cf$lof.pvalue), 1, 2, dimnames = list("lack_of_fit|lof_pvalue", c("a", "b")))
out <- collect("linear_proper", "means_piTRUE", tab)
cat("\n==== all figures (a, b per row; 7 significant digits)\n")
out$a <- signif(out$a, 7)
out$b <- signif(out$b, 7)
write.csv(out, stdout(), row.names = FALSE)
