//! The rules of each event type's payload, and the event's time.

use super::*;

impl<'w> Walk<'w, '_> {
    fn distinct_sets(ctx: &Context<'w>) -> Vec<&'w str> {
        let mut sets = ctx.sets.clone();
        sets.sort_unstable();
        sets.dedup();
        sets
    }

    pub(super) fn interact(
        &mut self,
        event: u32,
        ctx: &Context<'w>,
        user: Option<&'w str>,
    ) -> Option<Facts<'w>> {
        let payload = self.field(event, "interact", ROOT, Kind::Object, true);
        let sets = Self::distinct_sets(ctx);
        if sets.len() > 1 {
            let count = sets.len().to_string();
            let ids = sets.join(", ");
            self.add(Code::AmbiguousSet, || {
                (
                    "/context".into(),
                    Code::AmbiguousSet.message(&[("count", &count), ("ids", &ids)]),
                )
            });
        } else if ctx.sets.is_empty() && ctx.readable {
            self.add(Code::NoSetContext, || {
                ("/context".into(), Code::NoSetContext.message(&[]))
            });
        }
        let payload = payload?;
        let path = ROOT.sub("interact");
        self.constant(payload, "type", path, "product");
        let product = self.field(payload, "product", path, Kind::Object, true);
        let sku = product.and_then(|p| self.text(p, "sku", path.sub("product"), true));
        let action = self.text(payload, "action", path, false);
        if let Some(action) = action {
            if let Some(canonical) = near_miss(action) {
                self.add(Code::ActionNearMiss, || {
                    let message = Code::ActionNearMiss
                        .message(&[("action", action), ("canonical", canonical)]);
                    ("/interact/action".into(), message)
                });
            }
        }
        Some(Facts {
            set_id: if sets.len() == 1 { Some(sets[0]) } else { None },
            sku,
            action,
            ..Facts::new(EventKind::Interact, user)
        })
    }

    pub(super) fn view(&mut self, event: u32, user: Option<&'w str>) -> Option<Facts<'w>> {
        let payload = self.field(event, "view", ROOT, Kind::Object, true)?;
        let path = ROOT.sub("view");
        self.constant(payload, "type", path, "setCompose");
        let (set, count) = self.doc.member(payload, "setCompose");
        if count == 1 && self.doc.node(set.expect("counted")).kind == Kind::Null {
            self.add(Code::NullSet, || {
                ("/view/setCompose".into(), Code::NullSet.message(&[]))
            });
            return Some(Facts::new(EventKind::View, user));
        }
        let set_id = self.ref_id(payload, "setCompose", path);
        Some(Facts {
            set_id,
            ..Facts::new(EventKind::View, user)
        })
    }

    fn order_line(&mut self, line: u32, path: Path) -> Option<OrderLine<'w>> {
        let kind = self.doc.node(line).kind;
        if kind != Kind::Object {
            let place = || (path.render(), "An order line".to_string());
            self.wrong_type(place, Kind::Object, kind);
            return None;
        }
        let sku = self.text(line, "sku", path, true);
        let quantity = self.number(line, "quantity", path);
        if let Some(q) = quantity {
            if q <= 0.0 {
                let value = float_repr(q);
                self.add(Code::NotPositive, || {
                    (
                        path.key("quantity"),
                        Code::NotPositive.message(&[("key", "quantity"), ("value", &value)]),
                    )
                });
            }
        }
        let price = self.field(line, "grossPrice", path, Kind::Object, true)?;
        let inner = path.sub("grossPrice");
        let amount = self.number(price, "amount", inner);
        let currency = self
            .field(price, "currency", inner, Kind::String, true)
            .map(|node| self.text_of(node));
        if let Some(code) = currency {
            if !vocabulary().currencies.contains(code) {
                self.add(Code::UnknownCurrency, || {
                    (
                        inner.key("currency"),
                        Code::UnknownCurrency.message(&[("value", code)]),
                    )
                });
                return None;
            }
        }
        let quantity = quantity.filter(|q| *q > 0.0)?;
        if let Some(amount) = amount {
            if micros_of(quantity, amount).is_none() {
                self.add(Code::OutOfRange, || {
                    (
                        inner.key("amount"),
                        Code::OutOfRange.message(&[("key", "amount"), ("why", TOO_MUCH)]),
                    )
                });
                return None;
            }
        }
        Some(OrderLine {
            sku: sku?,
            quantity,
            amount: amount?,
            currency: currency?,
        })
    }

    pub(super) fn order(&mut self, event: u32, user: Option<&'w str>) -> Option<Facts<'w>> {
        let payload = self.field(event, "order", ROOT, Kind::Object, true)?;
        let path = ROOT.sub("order");
        let order_id = self.text(payload, "id", path, true);
        let lines = self.field(payload, "lines", path, Kind::Array, true);
        let mut parsed = Vec::new();
        if let Some(lines) = lines {
            for (index, line) in self.doc.children(lines).enumerate() {
                if let Some(found) = self.order_line(line, path.sub("lines").item(index)) {
                    parsed.push(found);
                }
            }
        }
        Some(Facts {
            order_id,
            lines: parsed,
            ..Facts::new(EventKind::Order, user)
        })
    }

    pub(super) fn api(&mut self, event: u32, user: Option<&'w str>) -> Option<Facts<'w>> {
        let payload = self.field(event, "api", ROOT, Kind::Object, true)?;
        let path = ROOT.sub("api");
        self.constant(payload, "type", path, "setCompose");
        self.constant(payload, "action", path, "query");
        self.field(payload, "arguments", path, Kind::Object, false);
        Some(Facts::new(EventKind::Api, user))
    }

    pub(super) fn event_type(&mut self, event: u32) -> Option<EventKind> {
        let node = self.field(event, "type", ROOT, Kind::String, true)?;
        match self.text_of(node) {
            "interact" => Some(EventKind::Interact),
            "view" => Some(EventKind::View),
            "order" => Some(EventKind::Order),
            "api" => Some(EventKind::Api),
            other => {
                self.add(Code::UnknownEventType, || {
                    (
                        "/type".into(),
                        Code::UnknownEventType.message(&[("value", other)]),
                    )
                });
                None
            }
        }
    }

    /// The value of the first of the time fields the event has (its first occurrence).
    pub(super) fn time(&self, event: u32, time_fields: &[String]) -> Time<'w> {
        for name in time_fields {
            if let (Some(node), count) = self.doc.member(event, name) {
                if count > 1 {
                    // Written twice: parsers keep the first or the last, so no time is read.
                    return Time::Unusable;
                }
                let node = self.doc.node(node);
                return match node.kind {
                    Kind::Null => Time::Absent,
                    Kind::String => Time::Text(self.doc.text(node.text)),
                    Kind::Number => {
                        Time::Number(self.doc.text(node.text).parse().expect("grammar"))
                    }
                    _ => Time::Unusable,
                };
            }
        }
        Time::Absent
    }
}
