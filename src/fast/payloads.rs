//! Each event type's payload, read straight into its facts (or declined).

use super::*;

pub(super) fn time_value<'a>(p: &mut P<'a>) -> Option<Time<'a>> {
    Some(match p.peek()? {
        b'"' => Time::Text(p.string()?),
        b'n' => {
            p.literal(b"null")?;
            Time::Absent
        }
        b'-' | b'0'..=b'9' => Time::Number(p.number()?.parse().ok()?),
        _ => {
            p.skip(1)?;
            Time::Unusable
        }
    })
}

pub(super) fn interact<'a>(p: &mut P<'a>) -> Option<Facts<'a>> {
    let mut facts = Facts::new(EventKind::Interact, None);
    let mut seen = Seen::default();
    let mut kind = None;
    p.members(|p, key| {
        match key {
            "type" => {
                seen.first(0)?;
                kind = Some(p.string()?);
            }
            "product" => {
                seen.first(1)?;
                facts.sku = Some(text(p.one_string(3, "sku")?)?);
            }
            "action" => {
                seen.first(2)?;
                let action = text(Some(p.string()?))?;
                if near_miss(action).is_some() {
                    return None; // a warning
                }
                facts.action = Some(action);
            }
            _ => p.skip(2)?,
        }
        Some(())
    })?;
    (kind? == "product" && facts.sku.is_some()).then_some(facts)
}

pub(super) fn view<'a>(p: &mut P<'a>) -> Option<Facts<'a>> {
    let mut facts = Facts::new(EventKind::View, None);
    let mut seen = Seen::default();
    let mut kind = None;
    p.members(|p, key| {
        match key {
            "type" => {
                seen.first(0)?;
                kind = Some(p.string()?);
            }
            "setCompose" => {
                seen.first(1)?;
                // null is a warning (null-set): declined by id_object
                facts.set_id = Some(text(p.id_object(3)?)?);
            }
            _ => p.skip(2)?,
        }
        Some(())
    })?;
    (kind? == "setCompose" && facts.set_id.is_some()).then_some(facts)
}

pub(super) fn order<'a>(p: &mut P<'a>) -> Option<Facts<'a>> {
    let mut facts = Facts::new(EventKind::Order, None);
    let mut seen = Seen::default();
    let mut has_lines = false;
    let currencies = &vocabulary().currencies;
    p.members(|p, key| {
        match key {
            "id" => {
                seen.first(0)?;
                facts.order_id = Some(text(Some(p.string()?))?);
            }
            "lines" => {
                seen.first(1)?;
                has_lines = true;
                p.elements(|p| {
                    let (mut sku, mut quantity, mut amount, mut currency) =
                        (None, None, None, None);
                    let mut line_seen = Seen::default();
                    p.members(|p, key| {
                        match key {
                            "sku" => {
                                line_seen.first(0)?;
                                sku = Some(text(Some(p.string()?))?);
                            }
                            "quantity" => {
                                line_seen.first(1)?;
                                quantity = Some(p.finite()?).filter(|q| *q > 0.0);
                                quantity?;
                            }
                            "grossPrice" => {
                                line_seen.first(2)?;
                                let mut price_seen = Seen::default();
                                p.members(|p, key| {
                                    match key {
                                        "amount" => {
                                            price_seen.first(0)?;
                                            amount = Some(p.finite()?);
                                        }
                                        "currency" => {
                                            price_seen.first(1)?;
                                            let code = p.string()?;
                                            currencies.contains(code).then_some(())?;
                                            currency = Some(code);
                                        }
                                        _ => p.skip(5)?,
                                    }
                                    Some(())
                                })?;
                            }
                            _ => p.skip(4)?,
                        }
                        Some(())
                    })?;
                    let (quantity, amount) = (quantity?, amount?);
                    micros_of(quantity, amount)?; // its revenue must fit: the rule book says
                    facts.lines.push(OrderLine {
                        sku: sku?,
                        quantity,
                        amount,
                        currency: currency?,
                    });
                    Some(())
                })?;
            }
            _ => p.skip(2)?,
        }
        Some(())
    })?;
    (facts.order_id.is_some() && has_lines).then_some(facts)
}

pub(super) fn api<'a>(p: &mut P<'a>) -> Option<Facts<'a>> {
    let mut seen = Seen::default();
    let (mut kind, mut action) = (None, None);
    p.members(|p, key| {
        match key {
            "type" => {
                seen.first(0)?;
                kind = Some(p.string()?);
            }
            "action" => {
                seen.first(1)?;
                action = Some(p.string()?);
            }
            "arguments" => {
                seen.first(2)?;
                if p.peek()? != b'{' {
                    return None;
                }
                p.skip(2)?;
            }
            _ => p.skip(2)?,
        }
        Some(())
    })?;
    (kind? == "setCompose" && action? == "query").then_some(Facts::new(EventKind::Api, None))
}
