-- One vocabulary for template fields: the one the template editor offers.
-- The first confirmation messages were filled from snake_case names
-- (${customer_name}, …); stored templates and canned answers are rewritten to
-- the editor's names (packages/mailkit/src/template/variables.ts keeps the
-- list). ${subject} and ${ticket} keep their names.
DO $$
DECLARE
  r record;
  pattern text;
BEGIN
  FOR r IN SELECT * FROM (VALUES
      ('customer_name', 'contactName'),
      ('customer_email', 'contactEmail'),
      ('campaign_name', 'campaignName'),
      ('interaction_id', 'interactionId'),
      ('agent_name', 'agentName')) AS v(old_name, new_name)
  LOOP
    pattern := '\$\{\s*' || r.old_name || '\s*\}';
    UPDATE templates SET html = regexp_replace(html, pattern, '${' || r.new_name || '}', 'g') WHERE html ~ pattern;
    UPDATE canned_answers SET text = regexp_replace(text, pattern, '${' || r.new_name || '}', 'g') WHERE text ~ pattern;
  END LOOP;
END $$;
