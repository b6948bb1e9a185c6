use super::*;

#[test]
fn the_enum_follows_the_catalogue() {
    assert_eq!(entries().len(), ALL_CODES.len());
    for (index, code) in ALL_CODES.iter().enumerate() {
        assert_eq!(code.index(), index);
        let kebab: String = format!("{code:?}")
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let lower = c.to_ascii_lowercase();
                if c.is_ascii_uppercase() && i > 0 {
                    vec!['-', lower]
                } else {
                    vec![lower]
                }
            })
            .collect();
        assert_eq!(kebab, code.slug());
    }
}

#[test]
fn templates_are_filled() {
    let text = Code::MissingField.message(&[("key", "sku")]);
    assert_eq!(text, "Required field 'sku' is missing.");
}

#[test]
fn vocabulary_is_read() {
    let v = vocabulary();
    assert!(v.currencies.contains("EUR") && v.currencies.contains("VEF"));
    assert_eq!(v.add_to_cart, "addToCart");
    assert_eq!(v.event_types.len(), 4);
}
