//! Who acts for an absent approver: follow the 主持工作 hand-overs from the assignee until someone present is
//! found, refusing loops and chains too long to be a real hand-over.
//!
//! The absences come from the service (approved leave and 外出报备 with the name of whoever 主持工作); this
//! module only walks them, through a lookup, so it needs no I/O.

/// Limits on following hand-overs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelegationPolicy {
    /// How many hand-overs are followed (A→B is one). A longer chain means the unit's whole leadership is
    /// away, which the route should escalate rather than pass to someone far down.
    pub max_chain: usize,
}

impl Default for DelegationPolicy {
    /// Three hand-overs: a deputy, their deputy, and one more.
    fn default() -> Self {
        Self { max_chain: 3 }
    }
}

/// Why no one can act for an assignee; the step then escalates (or waits for a manual assignment).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DelegationError {
    /// The hand-overs lead back to someone already on the chain.
    #[error("the hand-overs form a loop: {}", chain.join(" → "))]
    Cycle {
        /// The chain, ending with the person met twice.
        chain: Vec<String>,
    },
    /// More hand-overs than the policy follows.
    #[error("the hand-over chain is too long: {}", chain.join(" → "))]
    TooLong {
        /// The chain as far as it was followed.
        chain: Vec<String>,
    },
    /// Someone on the chain is away and named nobody to take charge.
    #[error("{away} is away and named no deputy")]
    NoDeputy {
        /// The absent cadre.
        away: String,
    },
}

impl DelegationError {
    /// The stable machine reason (the `ErrorInfo.reason` of the gRPC status).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Cycle { .. } => "DELEGATION_CYCLE",
            Self::TooLong { .. } => "DELEGATION_TOO_LONG",
            Self::NoDeputy { .. } => "NO_DEPUTY",
        }
    }
}

/// Who acts for an assignee, and through whom, so the trail can say "B for A".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The cadre who decides (the assignee when present).
    pub acting: String,
    /// The assignee first, then each deputy in turn, `acting` last.
    pub chain: Vec<String>,
}

/// Finds who decides for `assignee` today.
///
/// `deputy_of_away(c)` answers for one cadre: `None` when `c` is present (and acts), `Some(Some(d))` when
/// `c` is away and `d` takes charge, `Some(None)` when `c` is away and named nobody. It may be `FnMut` so a
/// caller can memoise lookups that hit the database.
pub fn resolve(
    assignee: &str,
    mut deputy_of_away: impl FnMut(&str) -> Option<Option<String>>,
    policy: &DelegationPolicy,
) -> Result<Resolved, DelegationError> {
    let mut chain = vec![assignee.to_owned()];
    loop {
        let last = chain.last().map(String::as_str).unwrap_or(assignee);
        match deputy_of_away(last) {
            None => {
                let acting = last.to_owned();
                return Ok(Resolved { acting, chain });
            }
            Some(None) => return Err(DelegationError::NoDeputy { away: last.to_owned() }),
            Some(Some(deputy)) => {
                let seen = chain.contains(&deputy);
                chain.push(deputy);
                if seen {
                    return Err(DelegationError::Cycle { chain });
                }
                if chain.len() - 1 > policy.max_chain {
                    return Err(DelegationError::TooLong { chain });
                }
            }
        }
    }
}

/// The assignees (of those given) whose steps `actor_cadre` may decide today as their delegate; an
/// assignee who is present, or whose chain is broken, is not included. Fills `request::Actor::acting_for`.
pub fn acting_for(
    actor_cadre: &str,
    assignees: &[String],
    mut deputy_of_away: impl FnMut(&str) -> Option<Option<String>>,
    policy: &DelegationPolicy,
) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for assignee in assignees {
        if assignee == actor_cadre || found.contains(assignee) {
            continue;
        }
        if let Ok(resolved) = resolve(assignee, &mut deputy_of_away, policy)
            && resolved.acting == actor_cadre
        {
            found.push(assignee.clone());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// `away` maps an absent cadre to their deputy ("" for nobody).
    fn lookup(away: &[(&str, &str)]) -> impl Fn(&str) -> Option<Option<String>> {
        let map: HashMap<String, String> =
            away.iter().map(|(a, d)| ((*a).to_owned(), (*d).to_owned())).collect();
        move |c: &str| map.get(c).map(|d| (!d.is_empty()).then(|| d.clone()))
    }

    fn chain(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn present_assignee_acts() {
        let got = resolve("a", lookup(&[]), &DelegationPolicy::default());
        assert_eq!(got, Ok(Resolved { acting: "a".into(), chain: chain(&["a"]) }));
    }

    #[test]
    fn follows_a_chain_of_two() {
        let got = resolve("a", lookup(&[("a", "b"), ("b", "c")]), &DelegationPolicy::default());
        assert_eq!(got, Ok(Resolved { acting: "c".into(), chain: chain(&["a", "b", "c"]) }));
    }

    #[test]
    fn refuses_a_cycle() {
        let err = resolve("a", lookup(&[("a", "b"), ("b", "a")]), &DelegationPolicy::default())
            .expect_err("a loop");
        assert_eq!(err, DelegationError::Cycle { chain: chain(&["a", "b", "a"]) });
        assert_eq!(err.reason(), "DELEGATION_CYCLE");
        assert_eq!(err.to_string(), "the hand-overs form a loop: a → b → a");

        let own = resolve("a", lookup(&[("a", "a")]), &DelegationPolicy::default()).expect_err("self");
        assert_eq!(own, DelegationError::Cycle { chain: chain(&["a", "a"]) });
    }

    #[test]
    fn refuses_a_chain_longer_than_the_policy() {
        let away = [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")];
        let policy = DelegationPolicy::default();
        let err = resolve("a", lookup(&away), &policy).expect_err("four hand-overs");
        assert_eq!(err, DelegationError::TooLong { chain: chain(&["a", "b", "c", "d", "e"]) });
        assert_eq!(err.reason(), "DELEGATION_TOO_LONG");

        // Exactly the limit is fine.
        let got = resolve("b", lookup(&away), &policy).expect("three hand-overs");
        assert_eq!(got.acting, "e");
        // A policy of zero follows no hand-over at all.
        let none = DelegationPolicy { max_chain: 0 };
        assert!(matches!(resolve("d", lookup(&away), &none), Err(DelegationError::TooLong { .. })));
    }

    #[test]
    fn away_without_deputy() {
        let err = resolve("a", lookup(&[("a", "b"), ("b", "")]), &DelegationPolicy::default())
            .expect_err("nobody in charge");
        assert_eq!(err, DelegationError::NoDeputy { away: "b".into() });
        assert_eq!(err.reason(), "NO_DEPUTY");
    }

    #[test]
    fn acting_for_lists_the_absent_assignees() {
        let away = lookup(&[("up", "deputy"), ("sl", "up"), ("sh", "deputy"), ("x", "x"), ("y", "")]);
        let assignees = chain(&["up", "sl", "sh", "deputy", "x", "y", "present", "up"]);
        let policy = DelegationPolicy::default();
        assert_eq!(acting_for("deputy", &assignees, &away, &policy), chain(&["up", "sl", "sh"]));
        // `up` is away, so acts for nobody; `present` acts only for themself.
        assert!(acting_for("up", &assignees, &away, &policy).is_empty());
        assert!(acting_for("present", &assignees, &away, &policy).is_empty());
    }
}
