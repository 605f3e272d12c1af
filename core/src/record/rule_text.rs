//! The rule grammar: how a decision rule is written on a command line, in a
//! binding's call or a configuration file, and read back.
//!
//! ```text
//! RULE     = METHOD [ "," OPTION ]*
//! METHOD   = consent | consensus | majority | qualified | unanimity
//!          | weighted | lazy | advice
//! OPTION   = quorum=N | threshold=N | days=N | signers=N
//!          | electorate=COLLEGE[+COLLEGE]* | block
//! ACT-RULE = ACT "=" RULE            ACT = amend | admit | exclude | rules
//! ```
//!
//! Percentages are capped at 100, `signers` is at least 1, a qualified
//! majority needs 67 % unless `threshold` says otherwise. [`Rule`]'s
//! `Display` writes the shortest text that reads back as the same rule.

use std::fmt;
use std::str::FromStr;

use super::names::UnknownName;
use super::{Act, Method, Rule, Rules};

/// Text that is not a rule; the message says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleSyntaxError(String);

impl From<UnknownName> for RuleSyntaxError {
    fn from(error: UnknownName) -> Self {
        RuleSyntaxError(error.to_string())
    }
}

/// The threshold a method gets when the text does not give one.
fn default_threshold(method: Method) -> u8 {
    match method {
        Method::Qualified => 67,
        _ => Rule::new(method).threshold,
    }
}

impl FromStr for Rule {
    type Err = RuleSyntaxError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut parts = text.split(',');
        let method: Method = parts.next().unwrap_or("").parse()?;
        let mut rule = Rule {
            threshold: default_threshold(method),
            ..Rule::new(method)
        };
        for option in parts {
            let (key, value) = option.split_once('=').unwrap_or((option, ""));
            let number = || -> Result<u32, RuleSyntaxError> {
                value
                    .trim()
                    .parse()
                    .map_err(|_| RuleSyntaxError(format!("`{option}`: expected a number")))
            };
            let percent = |n: u32| u8::try_from(n.min(100)).unwrap_or(100);
            match key.trim() {
                "quorum" => rule.quorum = percent(number()?),
                "threshold" => rule.threshold = percent(number()?),
                "days" => rule.min_days = number()?,
                "signers" => rule.signers = u8::try_from(number()?.clamp(1, 255)).unwrap_or(1),
                "electorate" => {
                    rule.electorate = value
                        .split('+')
                        .map(|c| c.trim().to_owned())
                        .filter(|c| !c.is_empty())
                        .collect()
                }
                "block" => rule.block = true,
                other => {
                    return Err(RuleSyntaxError(format!(
                        "`{other}` is not a rule option (quorum, threshold, days, signers, electorate, block)"
                    )));
                }
            }
        }
        Ok(rule)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.method.name())?;
        if self.quorum > 0 {
            write!(f, ",quorum={}", self.quorum)?;
        }
        if self.threshold != default_threshold(self.method) {
            write!(f, ",threshold={}", self.threshold)?;
        }
        if self.min_days > 0 {
            write!(f, ",days={}", self.min_days)?;
        }
        if self.signers != 1 {
            write!(f, ",signers={}", self.signers)?;
        }
        if !self.electorate.is_empty() {
            write!(f, ",electorate={}", self.electorate.join("+"))?;
        }
        if self.block {
            f.write_str(",block")?;
        }
        Ok(())
    }
}

/// A rule for one act: `ACT=RULE` (`amend=consent,quorum=50`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActRule {
    /// The act it governs.
    pub act: Act,
    /// The rule.
    pub rule: Rule,
}

impl FromStr for ActRule {
    type Err = RuleSyntaxError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (act, rule) = text
            .split_once('=')
            .ok_or_else(|| RuleSyntaxError(format!("`{text}`: a rule is ACT=METHOD[,option…]")))?;
        Ok(ActRule {
            act: act.parse()?,
            rule: rule.parse()?,
        })
    }
}

impl fmt::Display for ActRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.act, self.rule)
    }
}

/// The rules a community gets unless its founders say otherwise: amendments
/// and rule changes need half the members to take part; an applicant is
/// admitted after a week unless someone objects; an exclusion needs two
/// thirds of the votes cast, half the members voting, and 15 days between
/// the proposal and the decision.
impl Default for Rules {
    fn default() -> Rules {
        Rules {
            amend: Rule {
                quorum: 50,
                ..Rule::new(Method::Consent)
            },
            admit: Rule {
                min_days: 7,
                ..Rule::new(Method::Lazy)
            },
            exclude: Rule {
                quorum: 50,
                threshold: 67,
                min_days: 15,
                ..Rule::new(Method::Qualified)
            },
            rules: Rule {
                quorum: 50,
                ..Rule::new(Method::Consensus)
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_grammar_reads_what_people_write() {
        let rule: ActRule = "exclude=qualified,quorum=50,days=15".parse().expect("rule");
        assert_eq!(rule.act, Act::Exclude);
        assert_eq!(rule.rule, Rules::default().exclude);
        let rule: Rule = "weighted,threshold=60,electorate=salaries+apprenants,block"
            .parse()
            .expect("rule");
        assert_eq!(rule.threshold, 60);
        assert_eq!(rule.electorate, ["salaries", "apprenants"]);
        assert!(rule.block);
        assert_eq!(
            rule.to_string(),
            "weighted,threshold=60,electorate=salaries+apprenants,block"
        );
        assert_eq!(
            "consent,quorum=250".parse::<Rule>().map(|r| r.quorum),
            Ok(100)
        );
        assert_eq!(
            "consent,signers=0".parse::<Rule>().map(|r| r.signers),
            Ok(1)
        );
        for (bad, says) in [
            ("vote", "is not a method"),
            ("consent,quorum=half", "expected a number"),
            ("consent,speed=2", "is not a rule option"),
        ] {
            let error = bad.parse::<Rule>().expect_err(bad).to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
        for (bad, says) in [
            ("consent", "a rule is ACT=METHOD"),
            ("vote=consent", "is not an act"),
        ] {
            let error = bad.parse::<ActRule>().expect_err(bad).to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[test]
    fn the_default_rules_are_written_in_the_grammar() {
        let rules = Rules::default();
        let written: Vec<String> = Act::ALL
            .into_iter()
            .map(|act| {
                ActRule {
                    act,
                    rule: rules.get(act).clone(),
                }
                .to_string()
            })
            .collect();
        assert_eq!(
            written,
            [
                "amend=consent,quorum=50",
                "admit=lazy,days=7",
                "exclude=qualified,quorum=50,days=15",
                "rules=consensus,quorum=50",
            ]
        );
    }

    fn any_rule() -> impl Strategy<Value = Rule> {
        (
            proptest::sample::select(Method::ALL.to_vec()),
            0u8..=100,
            0u8..=100,
            proptest::collection::vec("[a-z][a-z0-9-]{0,8}", 0..3),
            0u32..400,
            1u8..=255,
            any::<bool>(),
        )
            .prop_map(
                |(method, quorum, threshold, electorate, min_days, signers, block)| Rule {
                    method,
                    quorum,
                    threshold,
                    electorate,
                    min_days,
                    signers,
                    block,
                },
            )
    }

    proptest! {
        /// Every rule written reads back as itself.
        #[test]
        fn a_rule_written_reads_back_the_same(rule in any_rule(), act in proptest::sample::select(Act::ALL.to_vec())) {
            let text = rule.to_string();
            prop_assert_eq!(text.parse::<Rule>(), Ok(rule.clone()), "{}", text);
            let act_rule = ActRule { act, rule };
            prop_assert_eq!(act_rule.to_string().parse::<ActRule>(), Ok(act_rule));
        }
    }
}
