//! The context array's items, read for their users and sets (or declined).

use super::*;

impl<'a> P<'a> {
    pub(super) fn item(&mut self) -> Option<Item<'a>> {
        let mut item = Item::default();
        let mut seen = Seen::default();
        self.members(|p, key| {
            match key {
                "type" => {
                    seen.first(0)?;
                    item.kind = Some(p.string()?);
                }
                "user" => {
                    seen.first(1)?;
                    item.user = Some(p.id_object(4)?);
                }
                "setCompose" => {
                    seen.first(2)?;
                    item.set = Some(p.id_object(4)?);
                }
                "content" => {
                    seen.first(3)?;
                    let (mut kind, mut set) = (None, None);
                    let mut inner = Seen::default();
                    p.members(|p, key| match key {
                        "type" => {
                            inner.first(0)?;
                            kind = Some(p.string()?);
                            Some(())
                        }
                        "setCompose" => {
                            inner.first(1)?;
                            set = Some(p.id_object(5)?);
                            Some(())
                        }
                        _ => p.skip(4),
                    })?;
                    item.content = Some((kind, set));
                }
                "api" => {
                    seen.first(4)?;
                    item.api = Some(p.fields(4, &["id"], &["sourceIp", "userAgent"])?);
                }
                "page" => {
                    seen.first(5)?;
                    item.page = Some(p.fields(4, &["url"], &[])?);
                }
                "session" => {
                    seen.first(6)?;
                    item.session = Some(p.id_object(4)?);
                }
                "widget" => {
                    seen.first(7)?;
                    item.widget = Some(p.fields(4, &["id", "type"], &[])?);
                }
                _ => p.skip(3)?,
            }
            Some(())
        })?;
        Some(item)
    }
}

/// The context's users and sets, when every item is clean.
pub(super) fn context<'a>(
    p: &mut P<'a>,
    users: &mut Vec<&'a str>,
    sets: &mut Vec<&'a str>,
) -> Option<()> {
    p.elements(|p| {
        let item = p.item()?;
        match item.kind? {
            "user" => users.push(text(item.user?)?),
            "setCompose" => sets.push(text(item.set?)?),
            "content" => {
                let (kind, set) = item.content?;
                if kind? != "setCompose" {
                    return None; // a warning: the rule book reports it
                }
                sets.push(text(set?)?);
            }
            "api" => {
                if item.api == Some(false) {
                    return None;
                }
            }
            "page" => {
                item.page.filter(|ok| *ok)?;
            }
            "session" => {
                text(item.session?)?;
            }
            "widget" => {
                item.widget.filter(|ok| *ok)?;
            }
            _ => return None,
        }
        Some(())
    })
}
