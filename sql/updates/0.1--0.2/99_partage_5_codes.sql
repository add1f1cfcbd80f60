--------------------------------------------------------------------------------
-- A landlord code cannot hold |: the scopes of the profiles write a
-- landlord's réservataire as landlord|code (lit_reservataire()), and a
-- landlord 'b93|x' read as b93 (review of the sharing, F4).  A 0.1 database
-- with such a code stops the upgrade, naming it.
--------------------------------------------------------------------------------

DO $$
DECLARE
	c text := (SELECT string_agg(format('%L', b.code), ', ' ORDER BY b.code) FROM flux_mgmt.bailleur b WHERE strpos(b.code, '|') > 0);
BEGIN
	IF c IS NOT NULL THEN
		RAISE EXCEPTION 'landlord codes with | cannot be upgraded: %', c
			USING ERRCODE = 'check_violation',
				  HINT = 'Rename them before ALTER EXTENSION flux_mgmt UPDATE, for instance UPDATE flux_mgmt.bailleur SET code = replace(code, ''|'', ''-''): the keys pointing at them follow (ON UPDATE CASCADE).';
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION flux_mgmt.verifier_bailleur() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	-- the profiles name a landlord's réservataire 'landlord|code' (portee(), lit_reservataire())
	IF strpos(NEW.code, '|') > 0 THEN
		PERFORM flux_mgmt.refuser(
			format('invalid landlord code %L: it contains |', NEW.code),
			'The scopes of the profiles write a landlord''s réservataire as landlord|code: a landlord code with | in it would read as another''s.',
			'Choose a code without |, for instance with - or _ instead.');
	END IF;
	IF NEW.siren IS NOT NULL AND NOT flux_mgmt.siren_valide(NEW.siren) THEN
		PERFORM flux_mgmt.refuser(
			format('invalid SIREN %L for landlord %L', NEW.siren, NEW.code),
			'A SIREN number is nine digits whose Luhn checksum is a multiple of 10.',
			'Copy the SIREN from the landlord''s Kbis or the INSEE Sirene register, or leave it null.');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_bailleur() IS 'row rules of bailleur: a code without | (the scopes write landlord|réservataire), a SIREN, when given, is valid';
