//! Variable bounds with a trail, so that backtrack levels can be pushed and popped.

/// Which side of a variable's interval a constraint names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bound {
    /// `x >= lower`.
    Lower,
    /// `x <= upper`.
    Upper,
}

/// Lower and upper bounds of every variable (each may be infinite), and the old values of the
/// bounds changed since each open level, so [`Bounds::pop`] restores them exactly.
#[derive(Debug, Clone, Default)]
pub(super) struct Bounds {
    lower: Vec<f64>,
    upper: Vec<f64>,
    /// `(variable, old lower, old upper)`, oldest first.
    trail: Vec<(usize, f64, f64)>,
    /// Length of the trail when each open level was pushed.
    levels: Vec<usize>,
}

impl Bounds {
    /// Adds a variable and returns its index.
    pub(super) fn add(&mut self, lower: f64, upper: f64) -> usize {
        self.lower.push(lower);
        self.upper.push(upper);
        self.lower.len() - 1
    }

    pub(super) fn lower(&self, var: usize) -> f64 {
        self.lower[var]
    }

    pub(super) fn upper(&self, var: usize) -> f64 {
        self.upper[var]
    }

    /// The value of the named bound of `var`.
    pub(super) fn get(&self, var: usize, bound: Bound) -> f64 {
        match bound {
            Bound::Lower => self.lower[var],
            Bound::Upper => self.upper[var],
        }
    }

    /// Replaces both bounds of `var`, remembering the old ones if a level is open.
    pub(super) fn set(&mut self, var: usize, lower: f64, upper: f64) {
        if !self.levels.is_empty() {
            self.trail.push((var, self.lower[var], self.upper[var]));
        }
        self.lower[var] = lower;
        self.upper[var] = upper;
    }

    /// Opens a backtrack level.
    pub(super) fn push(&mut self) {
        self.levels.push(self.trail.len());
    }

    /// Closes the innermost level, restoring every bound changed since it was opened; `false`
    /// if no level is open.
    pub(super) fn pop(&mut self) -> bool {
        let Some(mark) = self.levels.pop() else {
            return false;
        };
        while self.trail.len() > mark {
            if let Some((var, lower, upper)) = self.trail.pop() {
                self.lower[var] = lower;
                self.upper[var] = upper;
            }
        }
        true
    }

    /// Number of open levels.
    pub(super) fn level(&self) -> usize {
        self.levels.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pop_restores_bounds_exactly() {
        let mut b = Bounds::default();
        let x = b.add(-1.5, 2.25);
        let y = b.add(f64::NEG_INFINITY, f64::INFINITY);
        b.push();
        b.set(x, 0.1, 0.2);
        b.set(x, 0.15, 0.2);
        b.push();
        b.set(y, 3.0, 4.0);
        assert_eq!(b.level(), 2);
        assert!(b.pop());
        assert_eq!((b.lower(y), b.upper(y)), (f64::NEG_INFINITY, f64::INFINITY));
        assert_eq!((b.lower(x), b.upper(x)), (0.15, 0.2));
        assert!(b.pop());
        assert_eq!((b.lower(x), b.upper(x)), (-1.5, 2.25));
        assert!(!b.pop());
    }

    #[test]
    fn changes_outside_any_level_are_permanent() {
        let mut b = Bounds::default();
        let x = b.add(0.0, 1.0);
        b.set(x, 0.5, 1.0);
        assert!(!b.pop());
        assert_eq!(b.get(x, Bound::Lower), 0.5);
        assert_eq!(b.get(x, Bound::Upper), 1.0);
    }
}
