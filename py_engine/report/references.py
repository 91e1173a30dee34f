"""The methods appendix: which measure, which paper (the metrics' docstrings give the formulas).

The explanations are locale keys (report.method.<key>); the citations are bibliographic data, the
same in every language, so they are kept here rather than in the locale files.
"""

from __future__ import annotations

# (key, short citation); a key in evaluation.runner.METRICS (or "dcr") is headed by its metric name,
# any other key by report.method.<key>_h
METHODS = [
    ("holdout", "Giomi et al. 2023; Pilgram et al. 2025"),
    ("preparation", "Nowok, Raab & Dibben 2016; Gower 1971"),
    ("columns", "Massey 1951; SDMetrics"),
    ("logit", "Woo et al. 2009; Snoke et al. 2018"),
    ("cart", "Snoke et al. 2018; Breiman et al. 1984; Bowen, Liu & Su 2021"),
    ("two_way", "Raab, Nowok & Dibben 2021"),
    ("association", "Spearman 1904; Cramér 1946; Pearson 1903"),
    ("combinations", "Raab, Nowok & Dibben 2021"),
    ("ml", "Esteban, Hyland & Rätsch 2017; Jordon et al. 2022"),
    ("ci_overlap", "Karr et al. 2006"),
    ("fit", "Raab, Nowok & Dibben 2016; Reiter 2003; Karr et al. 2006; Nowok, Raab & Dibben 2016"),
    ("structure", "Shrout & Fleiss 1979; Snijders & Bosker 2012"),
    ("copies", "Raab, Nowok & Dibben 2024"),
    ("rep_u", "Raab, Nowok & Dibben 2024"),
    ("disco", "Raab, Nowok & Dibben 2024"),
    ("inference", "Giomi et al. 2023; Wilson 1927"),
    ("membership", "Shokri et al. 2017; Hilprecht, Härterich & Bernau 2019; Stadler, Oprisanu & Troncoso 2022; "
                   "DeLong, DeLong & Clarke-Pearson 1988"),
    ("dcr", "Pilgram et al. 2025; Yao et al. 2025 (arXiv 2505.01524)"),
    ("cap", "Elliot 2014; Taub, Elliot, Pampaka & Smith 2018"),
    ("isolated", "Gower 1971; DUOpop (calculate_DCR); Pilgram et al. 2025"),
    ("verdicts", "Raab, Nowok & Dibben 2021; Pilgram et al. 2025"),
]

REFERENCES = [
    "Bowen, C. M., Liu, F. & Su, B. (2021). Differentially private data release via statistical election to "
    "partition sequentially. Metron 79, 1-31. (SPECKS)",
    "Breiman, L., Friedman, J. H., Olshen, R. A. & Stone, C. J. (1984). Classification and Regression Trees. "
    "Wadsworth.",
    "Cramér, H. (1946). Mathematical Methods of Statistics. Princeton University Press.",
    "DeLong, E. R., DeLong, D. M. & Clarke-Pearson, D. L. (1988). Comparing the areas under two or more "
    "correlated receiver operating characteristic curves: a nonparametric approach. Biometrics 44, 837-845.",
    "Elliot, M. (2014). Final report on the disclosure risk associated with the synthetic data produced by the "
    "SYLLS team. CMIST, University of Manchester.",
    "Esteban, C., Hyland, S. L. & Rätsch, G. (2017). Real-valued (medical) time series generation with "
    "recurrent conditional GANs. arXiv 1706.02633.",
    "Giomi, M., Boenisch, F., Wehmeyer, C. & Tasnádi, B. (2023). A unified framework for quantifying privacy "
    "risk in synthetic data. Proceedings on Privacy Enhancing Technologies 2023(2), 312-328. (anonymeter)",
    "Gower, J. C. (1971). A general coefficient of similarity and some of its properties. Biometrics 27, "
    "857-871.",
    "Hilprecht, B., Härterich, M. & Bernau, D. (2019). Monte Carlo and reconstruction membership inference "
    "attacks against generative models. Proceedings on Privacy Enhancing Technologies 2019(4), 232-249.",
    "Jordon, J., Szpruch, L., Houssiau, F. et al. (2022). Synthetic data -- what, why and how? arXiv 2205.03257.",
    "Karr, A. F., Kohnen, C. N., Oganian, A., Reiter, J. P. & Sanil, A. P. (2006). A framework for evaluating "
    "the utility of data altered to protect confidentiality. The American Statistician 60, 224-232.",
    "Massey, F. J. (1951). The Kolmogorov-Smirnov test for goodness of fit. JASA 46, 68-78.",
    "Nowok, B., Raab, G. M. & Dibben, C. (2016). synthpop: bespoke creation of synthetic data in R. Journal of "
    "Statistical Software 74(11), 1-26.",
    "Pearson, K. (1903). On the probable errors of frequency constants. Biometrika 2, 273-281.",
    "Pilgram, L., Dankar, F., Drechsler, J., Elliot, M., Domingo-Ferrer, J. et al. (2025). A consensus privacy "
    "metrics framework for synthetic data. Patterns (doi 10.1016/j.patter.2025.101320); arXiv 2503.04980.",
    "Raab, G. M., Nowok, B. & Dibben, C. (2016). Practical data synthesis for large samples. Journal of Privacy "
    "and Confidentiality 7(3), 67-97. (synthpop: combining rules for m synthetic data sets)",
    "Raab, G. M., Nowok, B. & Dibben, C. (2021). Assessing, visualizing and improving the utility of synthetic "
    "data. arXiv 2109.12717 (synthpop: utility.gen, utility.tables).",
    "Raab, G. M., Nowok, B. & Dibben, C. (2024). Practical privacy metrics for synthetic data. arXiv "
    "2406.16826 (synthpop: disclosure, repU, DiSCO).",
    "Reiter, J. P. (2003). Inference for partially synthetic, public use microdata sets. Survey Methodology 29, "
    "181-188.",
    "Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater reliability. "
    "Psychological Bulletin 86, 420-428.",
    "Shokri, R., Stronati, M., Song, C. & Shmatikov, V. (2017). Membership inference attacks against machine "
    "learning models. IEEE Symposium on Security and Privacy, 3-18.",
    "Snijders, T. A. B. & Bosker, R. J. (2012). Multilevel Analysis: An Introduction to Basic and Advanced "
    "Multilevel Modeling, 2nd ed. Sage.",
    "Snoke, J., Raab, G. M., Nowok, B., Dibben, C. & Slavkovic, A. (2018). General and specific utility "
    "measures for synthetic data. Journal of the Royal Statistical Society A 181, 663-688.",
    "Spearman, C. (1904). The proof and measurement of association between two things. American Journal of "
    "Psychology 15, 72-101.",
    "Stadler, T., Oprisanu, B. & Troncoso, C. (2022). Synthetic data -- anonymisation groundhog day. USENIX "
    "Security Symposium, 1451-1468.",
    "Taub, J., Elliot, M., Pampaka, M. & Smith, D. (2018). Differential correct attribution probability for "
    "synthetic data: an exploration. Privacy in Statistical Databases 2018, LNCS 11126, 122-137.",
    "Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA 22, "
    "209-212.",
    "Woo, M.-J., Reiter, J. P., Oganian, A. & Karr, A. F. (2009). Global measures of data utility for "
    "microdata masked for disclosure limitation. Journal of Privacy and Confidentiality 1, 111-124.",
    "Yao, Z., Krčo, N., Ganev, G. & de Montjoye, Y.-A. (2025). The DCR delusion: measuring the privacy risk of "
    "synthetic data. arXiv 2505.01524.",
]
